// RemoteShell on ssh2 (no ssh binary, no shell on our side). The host key is verified in ssh2's
// hostVerifier, which runs before any authentication: a key other than the pinned one (or any key
// when none is pinned) aborts the handshake and becomes HostKeyError with the presented
// fingerprint. Commands are quoted with shellQuote; output is split into lines as it arrives;
// stdout/stderr kept in the result are bounded (last 64 KiB each).
// Leaves out: jump hosts, agent forwarding (never), password authentication (never).
import ssh2 from 'ssh2';
import { UpstreamError } from '../../errors.js';
import { hostKeyFingerprint, shellQuote } from '../../domain/node-rules.js';
import {
  HostKeyError, SshAuthError,
  type ExecOptions, type RemoteCommand, type RemoteResult, type RemoteSession, type RemoteShell, type SshTarget,
} from '../../ports/remote-shell.port.js';

const KEEP = 64 * 1024;

export class Ssh2RemoteShell implements RemoteShell {
  open(target: SshTarget, opts: { timeoutMs?: number } = {}): Promise<RemoteSession> {
    return new Promise((resolve, reject) => {
      const client = new ssh2.Client();
      let presented: string | null = null;
      let done = false;
      const fail = (err: Error) => {
        if (done) return;
        done = true;
        client.end();
        reject(err);
      };
      client.on('ready', () => {
        done = true;
        resolve(new Ssh2Session(client));
      });
      client.on('error', (err: Error & { level?: string }) => {
        if (presented !== null && presented !== target.hostKeyFingerprint) return fail(new HostKeyError(presented, target.hostKeyFingerprint));
        if (err.level === 'client-authentication') return fail(new SshAuthError(`ssh ${target.user}@${target.host}:${target.port}: the node refused Slipway's key (is its public key in ~${target.user}/.ssh/authorized_keys?)`));
        fail(new UpstreamError(`ssh ${target.host}:${target.port}: ${err.message}`));
      });
      client.on('close', () => fail(new UpstreamError(`ssh ${target.host}:${target.port}: connection closed before it was ready`)));
      try {
        client.connect({
          host: target.host,
          port: target.port,
          username: target.user,
          privateKey: target.privateKey,
          readyTimeout: opts.timeoutMs ?? 20_000,
          keepaliveInterval: 10_000,
          keepaliveCountMax: 3,
          hostVerifier: (key: Buffer) => {
            presented = hostKeyFingerprint(key);
            return target.hostKeyFingerprint !== null && presented === target.hostKeyFingerprint;
          },
        });
      } catch (err) {
        fail(new UpstreamError(`ssh ${target.host}:${target.port}: ${(err as Error).message}`));
      }
    });
  }
}

class Ssh2Session implements RemoteSession {
  constructor(private readonly client: ssh2.Client) {}

  exec(cmd: RemoteCommand, opts: ExecOptions = {}): Promise<RemoteResult> {
    const command = shellQuote(cmd.argv);
    return new Promise((resolve, reject) => {
      this.client.exec(command, (err, stream) => {
        if (err) return reject(new UpstreamError(`ssh: could not run ${cmd.display ?? command}: ${err.message}`));
        let stdout = '';
        let stderr = '';
        let timedOut = false;
        const splitter = (name: 'stdout' | 'stderr') => {
          let partial = '';
          return {
            data: (chunk: Buffer) => {
              const text = chunk.toString('utf8');
              if (name === 'stdout') stdout = (stdout + text).slice(-KEEP);
              else stderr = (stderr + text).slice(-KEEP);
              const lines = (partial + text).split('\n');
              partial = lines.pop() ?? '';
              for (const l of lines) opts.onLine?.(l.replace(/\r$/, ''), name);
            },
            flush: () => {
              if (partial) opts.onLine?.(partial, name);
              partial = '';
            },
          };
        };
        const out = splitter('stdout');
        const errs = splitter('stderr');
        stream.on('data', out.data);
        stream.stderr.on('data', errs.data);
        const timer = opts.timeoutMs
          ? setTimeout(() => {
              timedOut = true;
              stream.close();
            }, opts.timeoutMs)
          : null;
        stream.on('close', (code: number | null, signal?: string) => {
          if (timer) clearTimeout(timer);
          out.flush();
          errs.flush();
          resolve({ exitCode: timedOut ? null : (code ?? null), signal: signal ?? null, timedOut, stdout, stderr });
        });
        if (opts.stdin !== undefined) stream.end(opts.stdin);
        else stream.end();
      });
    });
  }

  close(): void {
    this.client.end();
  }
}

/** An ed25519 key pair in OpenSSH format that ssh2 itself can read back: ssh2's generator produces
 *  an unparsable private key about once in 300 ("Malformed OpenSSH private key"), so such a pair is
 *  made again. */
export function generateEd25519KeyPair(comment?: string): { private: string; public: string } {
  for (;;) {
    const pair = ssh2.utils.generateKeyPairSync('ed25519', comment ? { comment } : {});
    if (!(ssh2.utils.parseKey(pair.private) instanceof Error)) return pair;
  }
}
