// Test and bench support (never used by server code): bootstraps an edge directory and runs a
// private nginx on it in the foreground (as scripts/lib/edge.sh does), stopped by stop().
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { bootstrapEdge, existingUser } from '../nginx-bootstrap.js';

export interface RunningNginx {
  dir: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => { s.destroy(); resolve(true); });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`nothing listens on ${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startNginx(opts: { dir: string; port: number; nginxBin?: string; tlsPort?: number; acmeUpstream?: string }): Promise<RunningNginx> {
  const isRoot = process.getuid?.() === 0;
  bootstrapEdge({ dir: opts.dir, port: opts.port, bind: '127.0.0.1', user: isRoot ? existingUser(['www-data', 'nobody']) : null, tlsPort: opts.tlsPort ?? null, acmeUpstream: opts.acmeUpstream ?? null });
  const child: ChildProcess = spawn(opts.nginxBin ?? 'nginx', ['-p', opts.dir, '-c', `${opts.dir}/nginx.conf`, '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => { stderr += c.toString(); });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await Promise.race([
      waitForPort(opts.port),
      exited.then(() => { throw new Error(`nginx exited: ${stderr}`); }),
    ]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    dir: opts.dir,
    port: opts.port,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGQUIT');
      const t = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(t);
    },
  };
}

export interface HttpReply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request to 127.0.0.1:port with the given Host header, on a fresh connection. */
export async function hostGet(port: number, host: string, path = '/', headers: Record<string, string> = {}): Promise<HttpReply> {
  const http = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, path, method: 'GET', agent: false, headers: { host, connection: 'close', ...headers }, timeout: 10_000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => { body += c; });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`request to ${host}${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}
