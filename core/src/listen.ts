// Opening a server's port (or socket path) as a promise: it settles once, rejected with the listen
// error (EADDRINUSE, EACCES) or resolved when the server listens. The error handler is removed
// then, so later errors go to the server's own handlers instead of a settled promise.
import type { EventEmitter } from 'node:events';

interface Listenable extends EventEmitter {
  listen(...args: unknown[]): unknown;
}

export function listen(server: Listenable, ...where: [port: number, host: string] | [path: string]): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(...where, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
