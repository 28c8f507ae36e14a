// Edge on nginx (local runtime). Keeps the routing table and the certificate set in memory (the
// table also in routes/table.json, for operators and for the next worker, which starts from it:
// dynos that outlive a worker stay routed while the next one takes over), writes each certificate with its key to
// certs/<hash>.pem (0600: only the master, which loads them at reload, reads them), renders a
// candidate include, validates the whole configuration with `nginx -t` against that candidate,
// then moves it into place and reloads the running master gracefully (SIGHUP from its pid file)
// and waits until the old workers are gone, so a caller that stops old processes right after
// apply() returns cuts no in-flight request. An invalid candidate leaves the active file untouched
// and throws UpstreamError; certificate files no configuration uses any more are removed after a
// reload. Changes are serialised.
// Leaves out: starting nginx (scripts/lib/edge.sh + nginx-bootstrap.ts), choosing certificates.
import { createHash } from 'node:crypto';
import { chmod, readFile, readdir, rename, writeFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { UpstreamError } from '../../../errors.js';
import type { Logger } from '../../../logger.js';
import type { CommandRunner } from '../../../ports/command-runner.port.js';
import type { Edge, EdgeCertificate, EdgeRoute } from '../../../ports/edge.port.js';
import { validateHostname } from '../../../naming.js';
import { edgePaths, mainConfig, routesConfig, type EdgeLayout } from './nginx-config.js';

export interface NginxEdgeDeps {
  /** config.edge.confDir (absolute). */
  dir: string;
  /** config.edge.port */
  port: number;
  /** config.bind */
  bind: string;
  /** config.edge.tlsPort (null: no HTTPS). */
  tlsPort?: number | null;
  /** host:port of the api, which answers ACME HTTP-01 challenges (null: none). */
  acmeUpstream?: string | null;
  /** config.edge.nginxBin */
  nginxBin: string;
  commands: CommandRunner;
  logger: Logger;
  /** How long to wait for old nginx workers to finish after a reload (default 15 s). */
  drainTimeoutMs?: number;
}

export class NginxEdge implements Edge {
  private table = new Map<string, EdgeRoute>();
  private certs: EdgeCertificate[] = [];
  private chain: Promise<unknown> = Promise.resolve();
  private loaded = false;
  private readonly paths;
  private readonly layout: EdgeLayout;

  constructor(private readonly deps: NginxEdgeDeps) {
    this.paths = edgePaths(deps.dir);
    this.layout = { dir: deps.dir, port: deps.port, bind: deps.bind, user: null, tlsPort: deps.tlsPort ?? null, acmeUpstream: deps.acmeUpstream ?? null };
  }

  setRoute(route: EdgeRoute): Promise<void> {
    return this.serial(async () => {
      const next = new Map(this.table);
      if (route.hostnames.length) next.set(route.appId, clone(route));
      else next.delete(route.appId);
      await this.apply(next);
    });
  }

  removeRoute(appId: string): Promise<void> {
    return this.serial(async () => {
      if (!this.table.has(appId)) return;
      const next = new Map(this.table);
      next.delete(appId);
      await this.apply(next);
    });
  }

  replaceAll(routes: EdgeRoute[]): Promise<void> {
    return this.serial(async () => {
      await this.apply(new Map(routes.filter((r) => r.hostnames.length).map((r) => [r.appId, clone(r)])));
    });
  }

  setCertificates(certs: EdgeCertificate[]): Promise<void> {
    return this.serial(async () => {
      const seen = new Set<string>();
      for (const c of certs) {
        for (const h of c.hostnames) {
          if (seen.has(validateHostname(h))) throw new UpstreamError(`edge: hostname ${h} has two certificates`);
          seen.add(h);
        }
      }
      await this.apply(this.table, certs.map((c) => ({ hostnames: [...c.hostnames], certPem: c.certPem, keyPem: c.keyPem })));
    });
  }

  async routes(): Promise<EdgeRoute[]> {
    await this.chain.catch(() => undefined);
    return [...this.table.values()].map(clone);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.catch(() => undefined).then(() => this.loadTable()).then(fn);
    this.chain = run;
    return run;
  }

  /** The table the last writer left (a previous worker), before the first change. */
  private async loadTable(): Promise<void> {
    if (this.loaded) return;
    const text = await readFile(this.paths.table, 'utf8').catch(() => null);
    if (text !== null) {
      let routes: EdgeRoute[];
      try {
        routes = JSON.parse(text) as EdgeRoute[];
      } catch {
        throw new UpstreamError(`the edge's routing table ${this.paths.table} is not valid JSON; remove it (the worker writes it again)`);
      }
      this.table = new Map(routes.map((r) => [r.appId, clone(r)]));
    }
    this.loaded = true;
  }

  private async apply(next: Map<string, EdgeRoute>, certs: EdgeCertificate[] = this.certs): Promise<void> {
    const files = await this.writeCertificates(certs, next);
    const text = routesConfig(this.layout, [...next.values()], files);
    const previous = await readFile(this.paths.active, 'utf8').catch(() => null);
    if (previous === text && (await this.masterPid()) !== null) {
      this.table = next; // nothing changes for nginx
      this.certs = certs;
      return;
    }
    await mkdir(this.paths.logs, { recursive: true });
    await mkdir(path.dirname(this.paths.active), { recursive: true });
    await writeFile(this.paths.candidate, text);
    await this.validateCandidate();
    await rename(this.paths.candidate, this.paths.active);
    try {
      await this.reload();
    } catch (err) {
      // Not applied: put the previous table back so the file matches what is (or will be) served.
      if (previous !== null) await writeFile(this.paths.active, previous);
      throw err;
    }
    this.table = next;
    this.certs = certs;
    await writeFile(`${this.paths.table}.tmp`, JSON.stringify([...next.values()], null, 2));
    await rename(`${this.paths.table}.tmp`, this.paths.table);
    await this.removeUnusedCertificates(new Set(files.values()));
  }

  /** Writes the files of certificates that serve a routed hostname; hostname → file. */
  private async writeCertificates(certs: EdgeCertificate[], routes: Map<string, EdgeRoute>): Promise<Map<string, string>> {
    const files = new Map<string, string>();
    if (!this.layout.tlsPort) return files;
    const routed = new Set([...routes.values()].flatMap((r) => r.hostnames));
    await mkdir(this.paths.certs, { recursive: true, mode: 0o700 });
    for (const c of certs) {
      const names = c.hostnames.filter((h) => routed.has(h));
      if (!names.length) continue;
      const pem = `${c.keyPem.trim()}\n${c.certPem.trim()}\n`;
      const file = path.join(this.paths.certs, `${createHash('sha256').update(pem).digest('hex').slice(0, 32)}.pem`);
      const existing = await readFile(file, 'utf8').catch(() => null);
      if (existing !== pem) {
        await writeFile(`${file}.tmp`, pem, { mode: 0o600 });
        await chmod(`${file}.tmp`, 0o600);
        await rename(`${file}.tmp`, file);
      }
      for (const h of names) files.set(h, file);
    }
    return files;
  }

  private async removeUnusedCertificates(used: Set<string>): Promise<void> {
    const names = await readdir(this.paths.certs).catch(() => [] as string[]);
    for (const n of names) {
      const file = path.join(this.paths.certs, n);
      if (!used.has(file)) await rm(file, { force: true });
    }
  }

  private async validateCandidate(): Promise<void> {
    let main: string;
    try {
      main = await readFile(this.paths.main, 'utf8');
    } catch {
      // Not bootstrapped yet: validate against the configuration the bootstrap would write.
      main = mainConfig(this.layout);
    }
    if (!main.includes(`include ${this.paths.active};`)) {
      throw new UpstreamError(`edge: ${this.paths.main} does not include the routing table; rerun nginx-bootstrap`);
    }
    await writeFile(this.paths.candidateMain, main.replace(`include ${this.paths.active};`, `include ${this.paths.candidate};`));
    const lines: string[] = [];
    const res = await this.deps.commands.run({
      file: this.deps.nginxBin,
      args: ['-t', '-q', '-p', this.deps.dir, '-c', this.paths.candidateMain],
      timeoutMs: 30_000,
      onLine: (l) => lines.push(l),
    });
    await rm(this.paths.candidateMain, { force: true });
    if (res.exitCode !== 0) {
      await rm(this.paths.candidate, { force: true });
      const why = lines.filter((l) => /emerg|alert|crit|error/.test(l)).slice(-3).join('; ') || `nginx -t exited with ${res.exitCode ?? res.signal}`;
      this.deps.logger.error({ nginx: lines.slice(-10) }, 'edge: candidate routing table rejected by nginx -t');
      throw new UpstreamError(`edge: the new routing configuration is invalid (kept the previous one): ${why}`);
    }
  }

  /** SIGHUP the master and wait until every worker that served the old table has exited. */
  private async reload(): Promise<void> {
    const master = await this.masterPid();
    if (master === null) throw new UpstreamError(`edge: nginx is not running (no live pid file at ${this.paths.pid}); start it with scripts/up`);
    const before = await childrenOf(master);
    process.kill(master, 'SIGHUP');
    const deadline = Date.now() + (this.deps.drainTimeoutMs ?? 15_000);
    for (;;) {
      const now = await childrenOf(master);
      const fresh = now.some((p) => !before.includes(p));
      const oldLeft = now.filter((p) => before.includes(p));
      if (fresh && oldLeft.length === 0) return;
      if (Date.now() > deadline) {
        if (!fresh) throw new UpstreamError('edge: nginx did not start new workers after reload');
        this.deps.logger.warn({ workers: oldLeft }, 'edge: old nginx workers still draining after reload');
        return;
      }
      await sleep(25);
    }
  }

  private async masterPid(): Promise<number | null> {
    const text = await readFile(this.paths.pid, 'utf8').catch(() => '');
    const pid = Number.parseInt(text.trim(), 10);
    if (!Number.isInteger(pid) || pid <= 1) return null;
    try {
      process.kill(pid, 0);
      return pid;
    } catch {
      return null;
    }
  }
}

const clone = (r: EdgeRoute): EdgeRoute => ({
  appId: r.appId,
  hostnames: [...r.hostnames],
  maintenance: r.maintenance,
  ...(r.unavailable ? { unavailable: true } : {}),
  targets: r.targets.map((t) => ({ host: t.host, port: t.port })),
  ...(r.httpsRedirect !== undefined ? { httpsRedirect: r.httpsRedirect } : {}),
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Pids whose parent is `ppid` (Linux /proc), excluding zombies. */
export async function childrenOf(ppid: number): Promise<number[]> {
  const out: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (rest[0] !== 'Z' && Number(rest[1]) === ppid) out.push(Number(name));
  }
  return out;
}
