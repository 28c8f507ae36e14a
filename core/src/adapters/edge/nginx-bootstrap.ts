// nginx-bootstrap: `node core/dist/adapters/edge/nginx-bootstrap.js DIR PORT [BIND]
//   [--tls-port N] [--acme-upstream HOST:PORT]` (HTTPS port; where ACME HTTP-01 challenges go).
// Writes the edge's main nginx.conf (always, so a changed port or bind takes effect) and an empty routing table if none exists yet (the worker rewrites it on start-up), and
// creates logs/ and tmp/. When run as root, nginx workers run as an unprivileged user (www-data,
// else nobody). Leaves out: starting nginx (scripts/lib/edge.sh does).
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { edgePaths, mainConfig, routesConfig, type EdgeLayout } from './nginx/nginx-config.js';

/** First of `candidates` that exists in /etc/passwd. */
export function existingUser(candidates: string[], passwd = '/etc/passwd'): string | null {
  const text = existsSync(passwd) ? readFileSync(passwd, 'utf8') : '';
  const names = new Set(text.split('\n').map((l) => l.split(':')[0]));
  return candidates.find((c) => names.has(c)) ?? null;
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

export function bootstrapEdge(layout: EdgeLayout): void {
  const p = edgePaths(layout.dir);
  for (const d of [layout.dir, path.dirname(p.active), p.logs, p.tmp]) mkdirSync(d, { recursive: true });
  if (!existsSync(p.active)) writeAtomic(p.active, routesConfig(layout, []));
  writeAtomic(p.main, mainConfig(layout));
}

const USAGE = 'usage: nginx-bootstrap DIR PORT [BIND] [--tls-port N] [--acme-upstream HOST:PORT]\n';

function main(argv: string[]): number {
  const positional: string[] = [];
  const flags: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--tls-port' || a === '--acme-upstream') flags[a] = argv[++i] ?? '';
    else positional.push(a);
  }
  const [dirArg, portArg, bindArg] = positional;
  const port = Number(portArg);
  const tlsPort = flags['--tls-port'] ? Number(flags['--tls-port']) : null;
  if (!dirArg || !Number.isInteger(port) || port < 1 || port > 65535 || (tlsPort !== null && !(Number.isInteger(tlsPort) && tlsPort >= 1 && tlsPort <= 65535))) {
    process.stderr.write(USAGE);
    return 2;
  }
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  bootstrapEdge({
    dir: path.resolve(dirArg),
    port,
    bind: bindArg || '127.0.0.1',
    user: isRoot ? existingUser(['www-data', 'nobody']) : null,
    tlsPort,
    acmeUpstream: flags['--acme-upstream'] || null,
  });
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`nginx-bootstrap: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}
