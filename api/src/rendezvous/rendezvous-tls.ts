// Starts the rendezvous listener with a server certificate from the platform CA (created under the
// data dir on first start) for the names clients and dyno sides use, and renews it daily so it
// never comes near its 90-day expiry. Clients trust the CA's PEM (NODE_EXTRA_CA_CERTS).
import { isIP } from 'node:net';
import type { Config } from '@slipway/core/config/config';
import type { Logger } from '@slipway/core/logger';
import { PlatformCa, platformCaFiles } from '@slipway/core/adapters/tls/platform-ca';
import type { RendezvousServer } from '@slipway/core/adapters/rendezvous/rendezvous.server';

const RENEW_EVERY_MS = 24 * 3600_000;

export function rendezvousNames(config: Config): string[] {
  const names = [config.rendezvous.publicHost, config.rendezvous.dynoHost, 'localhost', '127.0.0.1'];
  if (config.bind !== '0.0.0.0' && config.bind !== '::' && isIP(config.bind)) names.push(config.bind);
  return [...new Set(names)];
}

export async function startRendezvous(server: RendezvousServer, config: Config, log: Logger): Promise<{ stop(): void }> {
  const ca = await PlatformCa.loadOrCreate(platformCaFiles(config.dataDir));
  const names = rendezvousNames(config);
  await server.listen(config.bind, await ca.issueServerCert(names));
  const timer = setInterval(() => {
    ca.issueServerCert(names).then((cert) => server.setCertificate(cert), (err: Error) => log.warn({ err: err.message }, 'rendezvous certificate renewal failed'));
  }, RENEW_EVERY_MS);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
