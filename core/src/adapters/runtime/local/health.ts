// One health probe of a dyno on 127.0.0.1:PORT: an HTTP GET of the app's health check path
// expecting 2xx/3xx when one is set, else a TCP connect. Leaves out: retry policy (dyno.ts).
import http from 'node:http';
import net from 'node:net';

export interface ProbeResult {
  ok: boolean;
  detail: string;
}

/** `host` is sent as the Host header of the HTTP check (the app's own hostname, for apps that
 *  check it). */
export function probe(port: number, healthPath: string | null, timeoutMs = 2_000, host = 'localhost'): Promise<ProbeResult> {
  return healthPath ? probeHttp(port, healthPath, timeoutMs, host) : probeTcp(port, timeoutMs);
}

function probeTcp(port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const s = net.connect({ port, host: '127.0.0.1', timeout: timeoutMs });
    s.once('connect', () => { s.destroy(); resolve({ ok: true, detail: `port ${port} accepts connections` }); });
    s.once('timeout', () => { s.destroy(); resolve({ ok: false, detail: `no answer on port ${port}` }); });
    s.once('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, detail: `port ${port}: ${e.code ?? e.message}` }));
  });
}

function probeHttp(port: number, healthPath: string, timeoutMs: number, host: string): Promise<ProbeResult> {
  const p = healthPath.startsWith('/') ? healthPath : `/${healthPath}`;
  return new Promise((resolve) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: p, agent: false, timeout: timeoutMs, headers: { host, 'user-agent': 'slipway-health', connection: 'close' } },
      (res) => {
        res.resume();
        const code = res.statusCode ?? 0;
        resolve({ ok: code >= 200 && code < 400, detail: `GET ${p} → ${code}` });
      },
    );
    req.once('timeout', () => req.destroy(new Error('timed out')));
    req.once('error', (e: NodeJS.ErrnoException) => resolve({ ok: false, detail: `GET ${p}: ${e.code ?? e.message}` }));
  });
}
