// listen(): a taken port rejects with the listen error; a successful listen leaves no error handler
// of its own behind on the server.
import net from 'node:net';
import { afterAll, expect, it } from 'vitest';
import { listen } from './listen.js';

const servers: net.Server[] = [];
afterAll(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

it('resolves once listening, then leaves errors to the server', async () => {
  const s = net.createServer();
  servers.push(s);
  await listen(s, 0, '127.0.0.1');
  expect((s.address() as net.AddressInfo).port).toBeGreaterThan(0);
  expect(s.listenerCount('error')).toBe(0);
});

it('rejects with EADDRINUSE for a port another server holds', async () => {
  const port = (servers[0]!.address() as net.AddressInfo).port;
  await expect(listen(net.createServer(), port, '127.0.0.1')).rejects.toMatchObject({ code: 'EADDRINUSE' });
});
