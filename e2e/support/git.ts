// Test support: a working copy driven by the real git client.
import { spawn } from 'node:child_process';
import { cp, mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { requireEnv } from '@slipway/core/testing/test-env';

export interface GitResult {
  code: number;
  output: string;
}

export function git(cwd: string, args: string[], env: Record<string, string> = {}, opts: { timeoutMs?: number } = {}): Promise<GitResult> {
  return new Promise((resolve) => {
    const p = spawn('git', args, {
      cwd,
      env: { PATH: process.env.PATH!, HOME: cwd, GIT_TERMINAL_PROMPT: '0', GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com', ...env },
    });
    let output = '';
    p.stdout.on('data', (d) => (output += d));
    p.stderr.on('data', (d) => (output += d));
    const t = opts.timeoutMs ? setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs) : undefined;
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code: code ?? 1, output });
    });
  });
}

export class WorkingCopy {
  private constructor(readonly dir: string) {}

  /** A new repository holding a copy of a fixture directory (e2e/fixtures/<name>) or given files. */
  static async create(source: { fixture?: string; files?: Record<string, string> }): Promise<WorkingCopy> {
    const dir = await mkdtemp(path.join(requireEnv('SLIPWAY_TEST_SCRATCH'), 'wc-'));
    if (source.fixture) await cp(path.join(import.meta.dirname, '..', 'fixtures', source.fixture), dir, { recursive: true });
    const wc = new WorkingCopy(dir);
    if (source.files) await wc.write(source.files);
    await git(dir, ['init', '-q', '-b', 'main']);
    await wc.commit('initial');
    return wc;
  }

  async write(files: Record<string, string>): Promise<void> {
    for (const [name, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(this.dir, name)), { recursive: true });
      await writeFile(path.join(this.dir, name), content);
    }
  }

  async commit(message: string): Promise<string> {
    await git(this.dir, ['add', '-A']);
    await git(this.dir, ['commit', '-q', '--allow-empty', '-m', message]);
    return (await git(this.dir, ['rev-parse', 'HEAD'])).output.trim();
  }

  /** git push over smart HTTP with an API token as the password. */
  push(gitUrl: string, token: string, refspec = 'main', extra: string[] = []): Promise<GitResult> {
    const u = new URL(gitUrl);
    u.username = 'user';
    u.password = token;
    return git(this.dir, ['push', ...extra, u.toString(), refspec], {}, { timeoutMs: 600_000 });
  }

  /** git push over SSH with a private key file. */
  pushSsh(sshUrl: string, keyFile: string, refspec = 'main'): Promise<GitResult> {
    return git(this.dir, ['push', sshUrl, refspec], {
      GIT_SSH_COMMAND: `ssh -i ${keyFile} -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR`,
    }, { timeoutMs: 600_000 });
  }
}

/** Requests that failed on a kept-alive connection the edge had closed (nginx closes idle
 *  connections when it reloads) and were sent again on a fresh one, as browsers and Node's own
 *  docs (request.reusedSocket) do for idempotent requests. Tests report the count. */
export const edgeRetries = { count: 0 };

/** GET through the edge with the app's Host header, on a kept-alive connection like a browser's. */
export async function viaEdge(edgePort: number, host: string, p = '/', fresh = false): Promise<{ status: number; body: string; headers: Headers }> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: edgePort, path: p, headers: { host }, ...(fresh ? { agent: false } : {}) }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: new Headers(res.headers as Record<string, string>) }));
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (!fresh && req.reusedSocket && err.code === 'ECONNRESET') {
        edgeRetries.count += 1;
        resolve(viaEdge(edgePort, host, p, true));
      } else reject(err);
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}
