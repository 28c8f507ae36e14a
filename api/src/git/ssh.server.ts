// git over SSH (ssh2): `git push ssh://git@host:PORT/<app>.git`. Users authenticate with a public
// key registered at /account/keys; the only commands accepted are git-upload-pack and
// git-receive-pack on '<app>.git' (parsed strictly, never given to a shell). The host key is
// generated once into the data dir. A push stays open while its build runs; if the client leaves,
// git keeps running (output drained) so the build is not cancelled.
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import ssh2, { type Connection, type ServerChannel } from 'ssh2';
import type { Logger } from '@slipway/core/logger';
import { isAppError } from '@slipway/core/errors';
import type { SshKeysService } from '../services/ssh-keys.service.js';
import type { GitService, PushService } from '../services/push.service.js';
import type { PushRegistry } from './push-registry.js';
import type { FsRepoStore } from './fs.repo-store.js';
import { spawnGit } from './git-process.js';
import { guardPush, pushTooLargeMessage } from './push-limit.js';

const COMMAND_RE = /^(git-upload-pack|git-receive-pack|git upload-pack|git receive-pack) '?\/?([a-z][a-z0-9-]{1,29})\.git\/?'?$/;

export function parseGitCommand(command: string): { service: GitService; app: string } | null {
  const m = COMMAND_RE.exec(command.trim());
  if (!m) return null;
  return { service: m[1]!.replace(' ', '-') as GitService, app: m[2]! };
}

/** The SSH host key: generated once into a 0600 file (a looser file is made 0600). */
export function loadOrCreateHostKey(file: string): Buffer {
  if (!existsSync(file)) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519');
    writeFileSync(file, pair.private, { mode: 0o600, flag: 'wx' });
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  return readFileSync(file);
}

export interface SshGitDeps {
  hostKey: Buffer;
  keys: SshKeysService;
  pushes: PushService;
  registry: PushRegistry;
  repos: FsRepoStore;
  log: Logger;
}

export function createSshGitServer(deps: SshGitDeps): ssh2.Server {
  return new ssh2.Server({ hostKeys: [deps.hostKey], banner: undefined }, (client: Connection) => {
    let userId: string | null = null;
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey') return ctx.reject(['publickey']);
      const key = ctx.key;
      void deps.keys.findOwner(key.data).then(
        (owner) => {
          if (!owner) return ctx.reject(['publickey']);
          if (ctx.signature) {
            const parsed = ssh2.utils.parseKey(key.data);
            if (parsed instanceof Error || Array.isArray(parsed) || !parsed.verify(ctx.blob!, ctx.signature, ctx.hashAlgo)) return ctx.reject(['publickey']);
            userId = owner.userId;
          }
          ctx.accept();
        },
        () => ctx.reject(['publickey']),
      );
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('exec', (acceptExec, _reject, info) => {
          const channel = acceptExec();
          void runCommand(deps, userId!, info.command, channel);
        });
        session.on('shell', (acceptShell) => {
          const channel = acceptShell();
          channel.stderr.write('Slipway does not provide shell access; use git push.\r\n');
          channel.exit(1);
          channel.end();
        });
      });
    });
    client.on('error', (err) => deps.log.debug({ err: err.message }, 'ssh client error'));
  });
}

async function runCommand(deps: SshGitDeps, userId: string, command: string, channel: ServerChannel): Promise<void> {
  const fail = (message: string) => {
    channel.stderr.write(`${message}\n`);
    channel.exit(1);
    channel.end();
  };
  const parsed = parseGitCommand(command);
  if (!parsed) return fail('Slipway only runs git-upload-pack and git-receive-pack on <app>.git.');
  let app;
  try {
    app = await deps.pushes.authorize(userId, parsed.app, parsed.service);
  } catch (err) {
    if (!isAppError(err)) throw err;
    return fail(err.status === 403 ? err.message : 'Repository not found.');
  }
  const receiving = parsed.service === 'git-receive-pack';
  const push = receiving ? deps.registry.begin({ userId, appId: app.id, appName: app.name }) : null;
  const limit = receiving ? await deps.pushes.limits() : null;
  const git = spawnGit({ service: parsed.service, repoDir: deps.repos.pathOf(app.name), statelessRpc: false, hookEnv: push?.env, maxInputBytes: limit?.pushBytes });
  let open = true;
  channel.on('close', () => (open = false));
  git.stdin!.on('error', () => undefined);
  if (limit) {
    // over SSH the client shows the command's stderr as it is
    guardPush(channel, git.stdin!, limit.pushBytes, () => open && channel.stderr.write(`!     ${pushTooLargeMessage(limit.pushMb)}\n`), () => channel.close());
  } else {
    channel.on('data', (d: Buffer) => git.stdin!.write(d));
    channel.on('end', () => git.stdin!.end());
  }
  git.stdout!.on('data', (d: Buffer) => open && channel.write(d));
  git.stderr!.on('data', (d: Buffer) => open && channel.stderr.write(d));
  git.on('close', (code) => {
    if (push) deps.registry.end(push.push.id);
    if (!open) return;
    channel.exit(code ?? 1);
    channel.end();
  });
}
