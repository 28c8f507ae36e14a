// Test support: the outside world of custom domains, for real — a DNS server for the test zone and
// Pebble, Let's Encrypt's ACME test CA (Debian's `pebble`). Started once per tier by vitest's
// globalSetup (acme-global-setup.ts) and shared by the tier's files.
//  - DNS: dns2 on loopback (UDP + TCP), answering from one JSON file per name in a zone directory
//    that tests write (setRecords/clearRecords): A, TXT and CNAME; a CNAME is followed within the
//    zone; a name without a file is NXDOMAIN; anything under .localhost resolves to 127.0.0.1 (the
//    stack's platform domain, what customers CNAME to).
//  - Pebble: its own config (HTTPS on loopback with a certificate from a throwaway CA, which the
//    stack's processes trust through NODE_EXTRA_CA_CERTS), no sleeps, no nonce rejections, DNS
//    through the server above, and HTTP-01 validation on a port fixed here (ACME_EDGE_PORT):
//    the one test stack per tier that orders certificates puts its edge there.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { inject } from 'vitest';
import { PlatformCa, platformCaFiles } from '@slipway/core/adapters/tls/platform-ca';

export interface AcmeEnv {
  /** "127.0.0.1:port" for the dns_resolver setting. */
  dnsResolver: string;
  zoneDir: string;
  directoryUrl: string;
  managementUrl: string;
  /** CA file for Pebble's own HTTPS (directory and management API). */
  pebbleTlsCaFile: string;
  /** The edge HTTP port Pebble validates HTTP-01 challenges on. */
  edgePort: number;
}

declare module 'vitest' {
  export interface ProvidedContext {
    acme: AcmeEnv;
  }
}

export const acmeEnv = (): AcmeEnv => inject('acme');

export interface ZoneRecords {
  A?: string[];
  TXT?: string[];
  CNAME?: string;
}

const zoneFile = (dir: string, name: string) => path.join(dir, `${name.toLowerCase().replace(/\.$/, '')}.json`);

/** Create or replace the records of one name (what a user does at their DNS provider). */
export async function setRecords(name: string, records: ZoneRecords, env = acmeEnv()): Promise<void> {
  const file = zoneFile(env.zoneDir, name);
  await writeFile(`${file}.tmp`, JSON.stringify(records));
  await rename(`${file}.tmp`, file);
}

export async function clearRecords(name: string, env = acmeEnv()): Promise<void> {
  await rm(zoneFile(env.zoneDir, name), { force: true });
}

/** Pebble's root certificate (the trust anchor of what it issues), from its management API. */
export async function pebbleRoot(env = acmeEnv()): Promise<string> {
  const ca = await readFile(env.pebbleTlsCaFile, 'utf8');
  return new Promise((resolve, reject) => {
    https.get(`${env.managementUrl}/roots/0`, { ca }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`pebble /roots/0: ${res.statusCode}`))));
    }).on('error', reject);
  });
}

// ---- the servers (globalSetup side) -----------------------------------------------------------

async function portFree(port: number): Promise<boolean> {
  const tcp = await new Promise<boolean>((resolve) => {
    const s = net.createServer().once('error', () => resolve(false)).listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
  if (!tcp) return false;
  const dgram = await import('node:dgram');
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4').once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

/** A port outside the kernel's ephemeral range (so listen(0) elsewhere never takes it). */
export async function reservedRangePort(lo = 10_000, hi = 19_999): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const p = lo + Math.floor(Math.random() * (hi - lo));
    if (await portFree(p)) return p;
  }
  throw new Error('no free port in the reserved range');
}

type Answer = { name: string; type: number; class: number; ttl: number; address?: string; data?: string[]; domain?: string };

export async function startTestDns(zoneDir: string): Promise<{ port: number; close(): Promise<void> }> {
  const dns2 = (await import('dns2')).default;
  const { Packet } = dns2;
  await mkdir(zoneDir, { recursive: true });
  const read = async (name: string): Promise<ZoneRecords | null> => {
    if (name === 'localhost' || name.endsWith('.localhost')) return { A: ['127.0.0.1'] };
    try {
      return JSON.parse(await readFile(zoneFile(zoneDir, name), 'utf8')) as ZoneRecords;
    } catch {
      return null;
    }
  };
  const server = dns2.createServer({
    udp: true,
    tcp: true,
    handle: (request, send) => {
      void (async () => {
        const response = Packet.createResponseFromRequest(request);
        const q = request.questions[0];
        if (q) {
          const answers: Answer[] = [];
          let name = q.name.toLowerCase().replace(/\.$/, '');
          let rec = await read(name);
          if (!rec) response.header.rcode = Packet.RCODE.NXDOMAIN;
          // follow CNAMEs inside the zone (at most 5), as a recursive resolver would
          for (let hops = 0; rec?.CNAME && q.type !== Packet.TYPE.CNAME && hops < 5; hops++) {
            answers.push({ name, type: Packet.TYPE.CNAME, class: Packet.CLASS.IN, ttl: 1, domain: rec.CNAME });
            name = rec.CNAME.toLowerCase();
            rec = await read(name);
          }
          if (rec) {
            if (q.type === Packet.TYPE.A) for (const address of rec.A ?? []) answers.push({ name, type: Packet.TYPE.A, class: Packet.CLASS.IN, ttl: 1, address });
            if (q.type === Packet.TYPE.TXT) for (const t of rec.TXT ?? []) answers.push({ name, type: Packet.TYPE.TXT, class: Packet.CLASS.IN, ttl: 1, data: [t] });
            if (q.type === Packet.TYPE.CNAME && rec.CNAME) answers.push({ name, type: Packet.TYPE.CNAME, class: Packet.CLASS.IN, ttl: 1, domain: rec.CNAME });
          }
          response.answers = answers as unknown as typeof response.answers;
        }
        await send(response);
      })();
    },
  });
  const port = await reservedRangePort(40_000, 44_999);
  await server.listen({ udp: { port, address: '127.0.0.1' }, tcp: { port, address: '127.0.0.1' } });
  return { port, close: async () => void (await server.close()) };
}

export async function startPebble(opts: { dir: string; dnsPort: number; httpPort: number }): Promise<{ env: Omit<AcmeEnv, 'dnsResolver' | 'zoneDir' | 'edgePort'>; stop(): Promise<void> }> {
  await mkdir(opts.dir, { recursive: true });
  const ca = await PlatformCa.loadOrCreate(platformCaFiles(path.join(opts.dir, 'tls-ca')), 'Pebble test TLS CA');
  const pair = await ca.issueServerCert(['127.0.0.1', 'localhost'], 30);
  const certFile = path.join(opts.dir, 'pebble.crt');
  const keyFile = path.join(opts.dir, 'pebble.key');
  await writeFile(certFile, pair.certPem);
  await writeFile(keyFile, pair.keyPem, { mode: 0o600 });
  const [listen, management, tlsPort] = [await reservedRangePort(45_000, 49_999), await reservedRangePort(45_000, 49_999), await reservedRangePort(45_000, 49_999)];
  const config = {
    pebble: {
      listenAddress: `127.0.0.1:${listen}`,
      managementListenAddress: `127.0.0.1:${management}`,
      certificate: certFile,
      privateKey: keyFile,
      httpPort: opts.httpPort,
      tlsPort,
      ocspResponderURL: '',
      externalAccountBindingRequired: false,
      // like Let's Encrypt: 90 days (renewal tests shorten the renewal window instead)
      certificateValidityPeriod: 90 * 86_400,
    },
  };
  const configFile = path.join(opts.dir, 'pebble-config.json');
  await writeFile(configFile, JSON.stringify(config, null, 2));
  const log = await import('node:fs').then((fs) => fs.createWriteStream(path.join(opts.dir, 'pebble.log')));
  const child: ChildProcess = spawn('pebble', ['-config', configFile, '-dnsserver', `127.0.0.1:${opts.dnsPort}`], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const end = Date.now() + 20_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      https.get(`https://127.0.0.1:${listen}/dir`, { ca: ca.certPem }, (res) => (res.resume(), resolve(res.statusCode === 200))).on('error', () => resolve(false));
    });
    if (up) break;
    if (child.exitCode !== null || Date.now() > end) throw new Error(`pebble did not start; see ${opts.dir}/pebble.log`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    env: { directoryUrl: `https://127.0.0.1:${listen}/dir`, managementUrl: `https://127.0.0.1:${management}`, pebbleTlsCaFile: platformCaFiles(path.join(opts.dir, 'tls-ca')).certFile },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}
