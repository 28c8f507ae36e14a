// Where a change comes from: the client address of the api request being served, carried through
// its async calls (AsyncLocalStorage) so that every activity entry written while serving it
// records it. One per Store (made by the composition root); outside a request (the worker, jobs,
// setup) there is none and entries record no address.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestOrigin {
  ip: string | null;
}

export class OriginScope {
  private readonly als = new AsyncLocalStorage<RequestOrigin>();

  run<T>(origin: RequestOrigin, fn: () => T): T {
    return this.als.run(origin, fn);
  }

  current(): RequestOrigin | undefined {
    return this.als.getStore();
  }
}
