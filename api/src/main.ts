// api process composition root: read config once, build adapters + services, serve HTTP (API,
// dashboard, git smart HTTP), the same over TLS when SLIPWAY_API_TLS_PORT is set, and git over
// SSH; stop gracefully on SIGTERM/SIGINT.
import { createServer } from 'node:http';
import { loadConfig } from '@slipway/core/config/config';
import { withStartupSettings } from '@slipway/core/settings/startup';
import { createLogger } from '@slipway/core/logger';
import { listen } from '@slipway/core/listen';
import { RedisLogStore } from '@slipway/core/adapters/log/redis.log-store';
import { createApiContext } from './context.js';
import { createHttpApp } from './http/app.js';
import { answerClientError } from './http/middleware/input-hygiene.js';
import { createObjectStore, createRuntimeView } from './adapters.js';
import { installHook } from './git/hook-installer.js';
import { startGit } from './git/git.module.js';
import { ApiCertificates, startTlsListener, type TlsListener } from './http/tls-server.js';
import { startRendezvous } from './rendezvous/rendezvous-tls.js';

async function main(): Promise<void> {
  const config = await withStartupSettings(loadConfig(process.env));
  const log = createLogger({ level: config.logLevel, name: 'api' });
  const ctx = createApiContext(config, log, ({ redis, settings }) => {
    const view = createRuntimeView(config, redis, new RedisLogStore({ redis, prefix: config.redis.prefix }), log);
    return { objects: createObjectStore(config, settings), logs: view.logs, runtime: view.runtime, docker: view.docker, swarmNodes: view.swarmNodes };
  });
  await installHook(config);
  await ctx.http.services.apps.adoptDefaultDomain();
  const git = startGit(ctx);
  const app = createHttpApp(ctx.http, { before: [git.httpRouter], extra: git.extraRouters });
  const server = createServer(app);
  answerClientError(server);
  server.requestTimeout = 0; // git pushes wait for their build
  let tls: TlsListener | null = null;
  if (config.api.tlsPort) {
    const certs = new ApiCertificates({ config, store: ctx.store, settings: ctx.settings, box: ctx.box, log });
    tls = await startTlsListener(app, certs, { port: config.api.tlsPort, bind: config.bind, log });
  }
  await git.listen();
  const rendezvousTls = await startRendezvous(ctx.rendezvous, config, log);
  // the HTTP port last: once /healthz answers, every listener is up (a port taken elsewhere fails
  // the start before anything waiting on /healthz, like scripts/up, believes the api is ready)
  await listen(server, config.api.port, config.bind);
  log.info({ port: config.api.port, bind: config.bind }, 'api listening');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    server.close();
    server.closeIdleConnections();
    tls?.close();
    rendezvousTls.stop();
    await git.close();
    await ctx.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err: Error) => {
  process.stderr.write(`api failed to start: ${err.stack ?? err.message}\n`);
  process.exit(1);
});
