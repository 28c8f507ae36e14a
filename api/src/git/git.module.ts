// Wires git transports into the api process: smart HTTP routes (mounted before the JSON body
// parser), the hook's loopback callbacks, and the SSH server.
import type { Router } from 'express';
import { listen } from '@slipway/core/listen';
import type { ApiContext } from '../context.js';
import { PushService } from '../services/push.service.js';
import { AppLookup } from '../services/app-lookup.js';
import { PushRegistry } from './push-registry.js';
import { smartHttpRoutes } from './smart-http.routes.js';
import { internalGitRoutes } from './internal.routes.js';
import { createSshGitServer, loadOrCreateHostKey } from './ssh.server.js';

export interface GitModule {
  httpRouter: Router;
  extraRouters: Router[];
  listen(): Promise<void>;
  close(): Promise<void>;
}

export function startGit(ctx: ApiContext): GitModule {
  const { config } = ctx;
  const loopback = config.bind === '0.0.0.0' || config.bind === '::' ? '127.0.0.1' : config.bind;
  const registry = new PushRegistry(`http://${loopback}:${config.api.port}`, (config.build.timeoutSeconds + 900) * 1000);
  const pushes = new PushService({
    store: ctx.store,
    lookup: new AppLookup(ctx.store),
    objects: ctx.adapters.objects,
    jobs: ctx.jobs,
    buildLogs: ctx.buildLogs,
    buildTimeoutSeconds: config.build.timeoutSeconds,
    settings: ctx.settings,
  });
  const auth = ctx.http.services.auth;
  const ssh = createSshGitServer({ hostKey: loadOrCreateHostKey(config.gitSsh.hostKeyFile), keys: ctx.http.services.sshKeys, pushes, registry, repos: ctx.repoStore, log: ctx.log });
  return {
    httpRouter: smartHttpRoutes({ auth, pushes, registry, repos: ctx.repoStore }),
    extraRouters: [
      internalGitRoutes({
        registry,
        pushes,
        tokens: { sign: (id) => ctx.box.mac('build-follow', id), verify: (id, token) => ctx.box.verifyMac('build-follow', id, token) },
      }),
    ],
    listen: async () => {
      await listen(ssh, config.gitSsh.port, config.bind);
      ctx.log.info({ port: config.gitSsh.port }, 'git ssh listening');
    },
    close: () => new Promise((resolve) => ssh.close(() => resolve())),
  };
}
