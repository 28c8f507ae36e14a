// The api's start as the test stacks see it: a port taken by another program (here the api's TLS
// port) fails the start, with the reason from the api's log in the stack's error, instead of a
// stack that answered /healthz and then went away (the api opens its HTTP port last, so /healthz
// answering means every listener is up).
import net from 'node:net';
import { afterAll, expect, it } from 'vitest';
import { startStack } from '../support/stack.js';

const holder = net.createServer();

afterAll(() => new Promise<void>((r) => holder.close(() => r())));

it('fails to start when one of its ports is taken, and says which', async () => {
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
  const taken = (holder.address() as net.AddressInfo).port;
  const started = startStack({ SLIPWAY_API_TLS_PORT: String(taken) });
  await expect(started).rejects.toThrow(new RegExp(`the api exited while starting \\(1\\)[\\s\\S]*api failed to start: Error: listen EADDRINUSE[^\\n]*:${taken}`));
});
