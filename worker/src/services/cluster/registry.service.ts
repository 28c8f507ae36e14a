// The swarm's private registry: Debian's docker-registry (image slipway/registry) as the service
// slw-registry on the manager, storage under the data dir, TLS from the platform CA, and mutual TLS:
// an engine pulls or pushes only with a client certificate the platform CA issued. The manager's
// engine gets its own (written into config.docker.certsDir/<registry>/, where Docker looks);
// provisioning installs one per node (nodeTrust). Never an insecure-registries setting.
// Promises: ensure() is idempotent (certificates are reused until 30 days before expiry; the service
// is updated only when what it is built from changed) and returns once the registry answers over
// mutual TLS; push() makes a local image available to every node under the registry's name.
// Leaves out: garbage collection of old tags, registry mirrors, builds on nodes (the builder image
// is not pushed: builds run on the manager).
import { createHash } from 'node:crypto';
import { chmod, chown, mkdir, readFile, writeFile } from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import type Docker from 'dockerode';
import type { Config } from '@slipway/core/config/config';
import type { Logger } from '@slipway/core/logger';
import { UpstreamError } from '@slipway/core/errors';
import { LABEL_MANAGED } from '@slipway/core/naming';
import { PlatformCa, platformCaFiles, type PemPair } from '@slipway/core/adapters/tls/platform-ca';
import { SwarmApi } from '@slipway/core/adapters/runtime/swarm/swarm.api';
import type { SwarmNodes } from '@slipway/core/adapters/runtime/swarm/swarm.nodes';
import { LABEL_KIND, LABEL_SPEC } from '@slipway/core/adapters/runtime/swarm/service-spec';
import { REGISTRY_SERVICE, registryConfig, registryServiceSpec } from '@slipway/core/adapters/runtime/swarm/platform-services';

const REGISTRY_UID = 10001;
const RENEW_MS = 30 * 86_400_000;
const LABELS = { [LABEL_MANAGED]: 'true', [LABEL_KIND]: 'registry' };

export interface NodeTrust {
  /** host:port, as image references and /etc/docker/certs.d/<address>/ name it. */
  address: string;
  caPem: string;
  client: PemPair;
}

export class PrivateRegistry {
  private addr: string | null = null;
  private readonly api: SwarmApi;
  private readonly dir: string;
  private readonly pushed = new Map<string, string>();

  constructor(private readonly deps: { docker: Docker; nodes: SwarmNodes; config: Config; log: Logger }) {
    this.api = new SwarmApi(deps.docker);
    this.dir = path.join(deps.config.dataDir, 'registry');
  }

  get enabled(): boolean {
    return this.deps.config.cluster.registryPort > 0;
  }

  /** host:port once ensure() ran (null: no registry). */
  get address(): string | null {
    return this.addr;
  }

  private ca(): Promise<PlatformCa> {
    return PlatformCa.loadOrCreate(platformCaFiles(this.deps.config.dataDir));
  }

  async ensure(): Promise<string | null> {
    if (!this.enabled) return null;
    const { config, log } = this.deps;
    const self = await this.deps.nodes.self();
    const host = config.cluster.registryHost ?? (await this.defaultHost(self.address));
    const port = config.cluster.registryPort;
    const address = `${host}:${port}`;
    const ca = await this.ca();
    const server = await this.reuseOrIssue(path.join(this.dir, 'tls', 'server'), host, () => ca.issueServerCert([host]));
    const storage = path.join(this.dir, 'storage');
    await mkdir(storage, { recursive: true, mode: 0o700 });
    if (process.getuid?.() === 0) await chown(storage, REGISTRY_UID, REGISTRY_UID);

    const secret = (what: string, data: string) =>
      this.api.ensureSecret(`${REGISTRY_SERVICE}-${what}-${createHash('sha256').update(data).digest('hex').slice(0, 12)}`, Buffer.from(data), LABELS);
    const secrets = {
      config: await secret('config', registryConfig(port)),
      cert: await secret('cert', server.certPem),
      key: await secret('key', server.keyPem),
      ca: await secret('ca', ca.certPem),
    };
    const spec = registryServiceSpec({ image: config.docker.registryImage, port, managerNodeId: self.id, storageDir: storage, secrets });
    const digest = createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);
    spec.Labels = { ...spec.Labels, [LABEL_SPEC]: digest };
    const cur = await this.api.service(REGISTRY_SERVICE);
    if (!cur) {
      log.info({ address }, 'starting the private registry');
      await this.deps.docker.createService(spec as Docker.CreateServiceOptions);
    } else if (cur.Spec.Labels[LABEL_SPEC] !== digest) {
      log.info({ address }, 'updating the private registry');
      await this.deps.docker.getService(cur.ID).update({ _query: { version: cur.Version.Index }, _body: spec } as unknown as Record<string, unknown>);
    }
    // the manager's engine trusts it and proves itself to it
    const client = await this.reuseOrIssue(path.join(this.dir, 'tls', 'manager-client'), 'manager', () => ca.issueClientCert('slipway-manager'));
    await this.installTrust(address, { address, caPem: ca.certPem, client });
    await this.waitAnswering(host, port, ca.certPem, client);
    await this.pruneSecrets(new Set(Object.values(secrets).map((s) => s.id)));
    this.addr = address;
    return address;
  }

  /** The manager's advertise address; for a one-machine swarm advertised on loopback, the swarm's
   *  gateway instead (Docker treats a loopback registry as insecure: no TLS verification, no client
   *  certificates). */
  private async defaultHost(advertised: string): Promise<string> {
    if (!/^127\./.test(advertised) && advertised !== '::1') return advertised;
    const net = (await this.deps.docker.getNetwork('docker_gwbridge').inspect().catch(() => null)) as { IPAM?: { Config?: { Gateway?: string }[] } } | null;
    const gw = net?.IPAM?.Config?.[0]?.Gateway;
    if (!gw) throw new UpstreamError('the swarm is advertised on a loopback address and has no docker_gwbridge: set SLIPWAY_REGISTRY_HOST');
    return gw;
  }

  /** A client certificate for one node (provisioning installs it with the CA). */
  async nodeTrust(nodeName: string): Promise<NodeTrust> {
    if (!this.addr) throw new UpstreamError('the private registry is not running');
    const ca = await this.ca();
    return { address: this.addr, caPem: ca.certPem, client: await ca.issueClientCert(`slipway-node-${nodeName}`) };
  }

  /** Pushes a local image (slipway/stack:<tag>) to the registry; returns the registry's name for it. */
  async push(localRef: string): Promise<string> {
    if (!this.addr) return localRef;
    const known = this.pushed.get(localRef);
    if (known) return known;
    const m = /^(?:[^/]+\.[^/]+\/|[^/]+:\d+\/)?([a-z0-9][a-z0-9._/-]*):([A-Za-z0-9_.-]{1,128})$/.exec(localRef);
    if (!m) throw new UpstreamError(`image reference ${localRef} has no tag`);
    const [, repo, tag] = m;
    const target = `${this.addr}/${repo}:${tag}`;
    const t0 = Date.now();
    await this.deps.docker.getImage(localRef).tag({ repo: `${this.addr}/${repo}`, tag });
    const stream = (await this.deps.docker.getImage(target).push({ authconfig: {} } as never)) as unknown as NodeJS.ReadableStream;
    await new Promise<void>((resolve, reject) => {
      this.deps.docker.modem.followProgress(stream, (err: Error | null, out: { error?: string }[]) => {
        const failed = err?.message ?? out.find((o) => o.error)?.error;
        if (failed) reject(new UpstreamError(`docker push ${target} failed: ${failed.slice(0, 300)}`));
        else resolve();
      });
    });
    this.deps.log.info({ image: target, ms: Date.now() - t0 }, 'image in the private registry');
    this.pushed.set(localRef, target);
    return target;
  }

  private async installTrust(address: string, trust: NodeTrust): Promise<void> {
    const dir = path.join(this.deps.config.docker.certsDir, address);
    await mkdir(dir, { recursive: true, mode: 0o755 });
    await writeFile(path.join(dir, 'ca.crt'), trust.caPem, { mode: 0o644 });
    await writeFile(path.join(dir, 'client.cert'), trust.client.certPem, { mode: 0o644 });
    await writeFile(path.join(dir, 'client.key'), trust.client.keyPem, { mode: 0o600 });
    await chmod(path.join(dir, 'client.key'), 0o600);
  }

  /** The pair stored at `base`.{crt,key,names} when it was issued for `names` and is not about to expire. */
  private async reuseOrIssue(base: string, names: string, issue: () => Promise<PemPair>): Promise<PemPair> {
    const [certPem, keyPem, stored] = await Promise.all(['crt', 'key', 'names'].map((ext) => readFile(`${base}.${ext}`, 'utf8').catch(() => null)));
    if (certPem && keyPem && stored === names && PlatformCa.expiresAt(certPem).getTime() - Date.now() > RENEW_MS) return { certPem, keyPem };
    const pair = await issue();
    await mkdir(path.dirname(base), { recursive: true, mode: 0o700 });
    await writeFile(`${base}.key`, pair.keyPem, { mode: 0o600 });
    await writeFile(`${base}.crt`, pair.certPem, { mode: 0o644 });
    await writeFile(`${base}.names`, names);
    return pair;
  }

  private async waitAnswering(host: string, port: number, ca: string, client: PemPair): Promise<void> {
    const deadline = Date.now() + 90_000;
    let last = '';
    for (;;) {
      const status = await new Promise<number>((resolve) => {
        const req = https.get({ host, port, path: '/v2/', ca, cert: client.certPem, key: client.keyPem, timeout: 5_000, agent: false }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('timeout', () => req.destroy(new Error('timed out')));
        req.on('error', (err) => {
          last = err.message;
          resolve(0);
        });
      });
      if (status === 200) return;
      if (Date.now() > deadline) throw new UpstreamError(`the private registry at ${host}:${port} does not answer${last ? `: ${last}` : ` (status ${status})`}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  private async pruneSecrets(inUse: Set<string>): Promise<void> {
    for (const s of await this.api.secrets({ [LABEL_KIND]: 'registry' })) {
      if (!inUse.has(s.ID)) await this.api.removeSecret(s);
    }
  }
}
