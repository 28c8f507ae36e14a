// CommandRunner on child_process.spawn: file + argv, never a shell. The child gets exactly the
// environment it is given, runs in its own process group, and on timeout or abort the whole group
// gets SIGTERM, then SIGKILL after a grace period.
import { spawn } from 'node:child_process';
import type { CommandResult, CommandRunner, CommandSpec } from '../../ports/command-runner.port.js';

export const SAFE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const STDOUT_CAP = 4 * 1024 * 1024;

export class SpawnCommandRunner implements CommandRunner {
  constructor(private readonly killGraceMs = 5_000) {}

  run(spec: CommandSpec): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      const env = { PATH: SAFE_PATH, ...(spec.env ?? {}) };
      const child = spawn(spec.file, [...spec.args], {
        cwd: spec.cwd,
        env,
        shell: false,
        detached: true,
        stdio: [spec.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let timedOut = false;
      let killTimer: NodeJS.Timeout | undefined;
      const killGroup = () => {
        if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
        try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
        killTimer = setTimeout(() => {
          try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ }
        }, this.killGraceMs);
      };
      const timer = spec.timeoutMs ? setTimeout(() => { timedOut = true; killGroup(); }, spec.timeoutMs) : undefined;
      const onAbort = () => killGroup();
      spec.signal?.addEventListener('abort', onAbort, { once: true });

      const splitter = (stream: 'stdout' | 'stderr') => {
        let buf = '';
        return {
          push(chunk: Buffer) {
            const text = chunk.toString('utf8');
            if (stream === 'stdout' && spec.captureStdout && stdout.length < STDOUT_CAP) stdout += text;
            if (!spec.onLine) return;
            buf += text;
            let i: number;
            while ((i = buf.indexOf('\n')) >= 0) {
              spec.onLine(buf.slice(0, i).replace(/\r$/, ''), stream);
              buf = buf.slice(i + 1);
            }
            if (buf.length > 64 * 1024) { spec.onLine(buf, stream); buf = ''; }
          },
          end() {
            if (buf && spec.onLine) spec.onLine(buf.replace(/\r$/, ''), stream);
            buf = '';
          },
        };
      };
      const out = splitter('stdout');
      const err = splitter('stderr');
      child.stdout!.on('data', (c: Buffer) => out.push(c));
      child.stderr!.on('data', (c: Buffer) => err.push(c));
      if (spec.stdin !== undefined) child.stdin!.end(spec.stdin);

      child.on('error', (err) => {
        clearTimeout(timer);
        spec.signal?.removeEventListener('abort', onAbort);
        reject(err);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        clearTimeout(killTimer);
        spec.signal?.removeEventListener('abort', onAbort);
        out.end();
        err.end();
        resolve({ exitCode: code, signal, timedOut, stdout });
      });
    });
  }
}
