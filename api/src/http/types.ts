// What the HTTP layer attaches to a request.
import type { Logger } from '@slipway/core/logger';
import type { UserRow } from '@slipway/core/repositories/types';

export interface Actor {
  user: UserRow;
  tokenId: string;
  via: 'token' | 'session';
}

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    log: Logger;
    actor?: Actor;
  }
}
