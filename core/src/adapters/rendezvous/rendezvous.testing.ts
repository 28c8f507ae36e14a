// Test support (never used by server code): a rendezvous listener with its own throwaway platform
// CA, on `bind` and a free port, for the Runtime contract's attached one-off dynos.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { SecretBox } from '../../crypto.js';
import { createLogger } from '../../logger.js';
import { PlatformCa, platformCaFiles } from '../tls/platform-ca.js';
import type { RendezvousHarness } from '../../ports/runtime-one-off.contract.js';
import { RendezvousServer } from './rendezvous.server.js';

export async function startTestRendezvous(dir: string, bind = '127.0.0.1'): Promise<RendezvousHarness & { close(): Promise<void> }> {
  const ca = await PlatformCa.loadOrCreate(platformCaFiles(path.join(dir, `rendezvous-ca-${randomBytes(4).toString('hex')}`)));
  const box = new SecretBox(randomBytes(32));
  const server = new RendezvousServer({ box, log: createLogger({ level: 'error', name: 'rendezvous-test' }), publicHost: bind, port: 0 });
  await server.listen(bind, await ca.issueServerCert([bind, 'localhost']));
  return { server, host: bind, caPem: ca.certPem, box, close: () => server.close() };
}
