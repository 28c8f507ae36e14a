// git over smart HTTP at /<app>.git: info/refs, git-upload-pack, git-receive-pack.
// Authentication is HTTP Basic with any username and an API token as the password (as Heroku
// does); no credentials → 401 with WWW-Authenticate so the git client asks for them. A push
// stays open while its build runs: the pre-receive hook streams the build as `remote:` lines.
// If the client goes away, git keeps running (its output is drained) so the build still lands.
// A push bigger than max_push_size_mb is cut off and refused with a message naming the limit.
import { Router, type Request, type Response } from 'express';
import { createGunzip } from 'node:zlib';
import { isAppError } from '@slipway/core/errors';
import type { AuthService } from '../services/auth.service.js';
import type { GitService, PushService } from '../services/push.service.js';
import { bearerOrBasicToken } from '../http/middleware/auth.js';
import type { PushRegistry } from './push-registry.js';
import type { FsRepoStore } from './fs.repo-store.js';
import { pktLine, spawnGit } from './git-process.js';
import { guardPush, pushTooLargeMessage, sideBandMessage, wantsSideBand } from './push-limit.js';

const SERVICES = new Set<GitService>(['git-upload-pack', 'git-receive-pack']);
const INFO_REFS = /^\/([a-z][a-z0-9-]{1,29})\.git\/info\/refs$/;
const RPC = /^\/([a-z][a-z0-9-]{1,29})\.git\/(git-upload-pack|git-receive-pack)$/;

export function smartHttpRoutes(deps: { auth: AuthService; pushes: PushService; registry: PushRegistry; repos: FsRepoStore }): Router {
  const r = Router();

  const deny = (res: Response, status: number, message: string) => {
    if (status === 401) res.setHeader('WWW-Authenticate', 'Basic realm="Slipway"');
    res.status(status).type('text/plain').send(`${message}\n`);
  };

  /** Authenticate + authorize; null after answering the client. */
  async function gate(req: Request, res: Response, service: GitService) {
    const token = bearerOrBasicToken(req.get('authorization'));
    const actor = token ? await deps.auth.authenticateToken(token) : null;
    if (!actor) return void deny(res, 401, 'Authentication required: use an API token as the password.');
    try {
      const app = await deps.pushes.authorize(actor.user.id, String((req.params as Record<string, string>)[0]), service);
      return { actor, app };
    } catch (err) {
      if (!isAppError(err)) throw err;
      return void deny(res, err.status === 403 ? 403 : 404, err.status === 403 ? err.message : 'Repository not found.');
    }
  }

  r.get(INFO_REFS, async (req, res) => {
    const service = String(req.query.service ?? '') as GitService;
    if (!SERVICES.has(service)) return void deny(res, 403, 'Only smart HTTP is supported (update git).');
    const ok = await gate(req, res, service);
    if (!ok) return;
    res.setHeader('Content-Type', `application/x-${service}-advertisement`);
    res.setHeader('Cache-Control', 'no-cache');
    const protocol = req.get('git-protocol');
    if (!protocol?.includes('version=2')) res.write(`${pktLine(`# service=${service}\n`)}0000`);
    const git = spawnGit({ service, repoDir: deps.repos.pathOf(ok.app.name), statelessRpc: true, advertiseRefs: true, protocol });
    git.stdout!.pipe(res);
    git.stderr!.resume();
  });

  r.post(RPC, async (req, res) => {
    const service = (req.params as Record<string, string>)[1] as GitService;
    const ok = await gate(req, res, service);
    if (!ok) return;
    const receiving = service === 'git-receive-pack';
    const push = receiving ? deps.registry.begin({ userId: ok.actor.user.id, appId: ok.app.id, appName: ok.app.name }) : null;
    const limit = receiving ? await deps.pushes.limits() : null;
    const git = spawnGit({ service, repoDir: deps.repos.pathOf(ok.app.name), statelessRpc: true, protocol: req.get('git-protocol'), hookEnv: push?.env, maxInputBytes: limit?.pushBytes });
    res.setHeader('Content-Type', `application/x-${service}-result`);
    res.setHeader('Cache-Control', 'no-cache');
    const body = req.get('content-encoding') === 'gzip' ? req.pipe(createGunzip()) : req;
    git.stdin!.on('error', () => undefined);
    git.stderr!.resume();
    let clientGone = false;
    let forwarded = false;
    res.on('close', () => (clientGone = true));
    if (limit) {
      const guard = guardPush(body, git.stdin!, limit.pushBytes, () => {
        // before git answers, so the client shows it first (as `remote:` text on side band 2)
        if (!forwarded && !clientGone && wantsSideBand(guard.head())) res.write(sideBandMessage(pushTooLargeMessage(limit.pushMb)));
      }, () => req.destroy());
    } else {
      body.pipe(git.stdin!);
    }
    git.stdout!.on('data', (chunk: Buffer) => {
      forwarded = true;
      if (!clientGone) res.write(chunk);
    });
    git.on('close', () => {
      if (push) deps.registry.end(push.push.id);
      if (!clientGone) res.end();
    });
  });

  return r;
}
