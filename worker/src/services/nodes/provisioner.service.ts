// Provisioning a node over SSH (the `provision` job): connect (host key checked before
// authentication), check the OS and resources, install Docker when missing, start it, trust the
// private registry and pull the stack image from it, fence the containers' network (the worker's
// egress guard: no private, link-local or metadata address beyond the node but the api), join the
// swarm with a worker token, label the node, wait until the manager sees it Ready. Every step's commands and output are kept, line by
// line, as the node's provisioning log (node_log), readable while it runs.
// Promises: the node ends `ready`, `failed` (the step, and its output's last lines), `untrusted`
// (host key mismatch) or `awaiting_host_key` (first contact with no pinned key: the presented key is
// shown for the admin to confirm); every step checks first whether its work is already done, so
// running provisioning again after a failure resumes (done steps are quick, and say so); the join
// token is never logged or stored.
// Leaves out: drain/remove and the heartbeat (node-lifecycle, node-health).
import type { Logger } from '@slipway/core/logger';
import type { Store } from '@slipway/core/repositories/index';
import type { NodeRow } from '@slipway/core/repositories/node.repository';
import type { Settings } from '@slipway/core/settings/settings.service';
import { nodeMinDiskGb, nodeMinMemoryMb } from '@slipway/core/settings/nodes.settings';
import { HostKeyError, SshAuthError, type RemoteSession } from '@slipway/core/ports/remote-shell.port';
import type { SwarmNodes } from '@slipway/core/adapters/runtime/swarm/swarm.nodes';
import { LABEL_NODE } from '@slipway/core/adapters/runtime/swarm/service-spec';
import { LABEL_EDGE } from '@slipway/core/adapters/runtime/swarm/platform-services';
import { PROVISION_STEPS, shellQuote } from '@slipway/core/domain/node-rules';
import net from 'node:net';
import type { PrivateRegistry } from '../cluster/registry.service.js';
import type { NodeAccess } from './node-access.js';
import { NodeLog } from './node-log.js';
import type { NodeFence } from './node-fence.js';
import {
  asRoot, installDockerCommands, joinCommand, memTotalMb, packageManagerFor, parseDf, parseOsRelease, registryDir, startDockerCommands,
  type Argv, type OsFacts,
} from './node-commands.js';

export interface ProvisionerDeps {
  store: Store;
  access: NodeAccess;
  nodes: SwarmNodes;
  registry: PrivateRegistry;
  settings: Settings;
  log: Logger;
  /** The stack image services run (its registry name), pulled once to prove the registry works. */
  stackImage: () => string;
  /** The containers' network fence on a node (the `guard` step). */
  fence: NodeFence;
  /** How long a node may take to show Ready after joining (default 90 s). */
  readyTimeoutMs?: number;
}

class StepFailed extends Error {}

interface Ctx {
  node: NodeRow;
  session: RemoteSession;
  log: NodeLog;
  step: string;
  facts: Partial<OsFacts> & { docker?: string };
  swarmNodeId: string | null;
}

const STEPS = PROVISION_STEPS;

export class Provisioner {
  constructor(private readonly deps: ProvisionerDeps) {}

  async run(nodeId: string): Promise<void> {
    const { store } = this.deps;
    const node = await store.repos.nodes.find(nodeId);
    if (!node || node.status !== 'provisioning') return; // removed, or not asked to provision
    const log = new NodeLog(store.repos.nodes, node.id);
    let step = 'connect';
    let session: RemoteSession | null = null;
    try {
      log.step(step, `Connecting to ${node.sshUser}@${node.host}:${node.port}`);
      session = await this.connect(node, log);
      if (!session) return;
      const ctx: Ctx = { node, session, log, step, facts: {}, swarmNodeId: node.swarmNodeId };
      const done = new Set(node.stepsDone);
      for (const s of STEPS) {
        step = ctx.step = s.name;
        log.step(s.name, `${s.title}${done.has(s.name) ? ' (done before: checking)' : ''}`);
        await this.steps[s.name](ctx);
        done.add(s.name);
        await store.repos.nodes.update(node.id, { stepsDone: [...done] });
        await log.flush();
      }
      await store.transaction(async (repos) => {
        await repos.nodes.update(node.id, {
          status: 'ready', statusDetail: null, failedStep: null, swarmNodeId: ctx.swarmNodeId, availability: 'active',
          missedBeats: 0, lastHeartbeatAt: new Date(), facts: { ...node.facts, ...ctx.facts },
        });
        await repos.activity.record({ orgId: null, action: 'node.ready', details: { node_id: node.id, name: node.name, swarm_node_id: ctx.swarmNodeId } });
      });
      log.step('done', `${node.name} is ready`);
    } catch (err) {
      const message = (err as Error).message;
      log.error(step, message);
      if (err instanceof HostKeyError) return; // untrusted: NodeAccess recorded it
      const tail = log.tail(15).join('\n');
      await store.repos.nodes.update(node.id, { status: 'failed', failedStep: step, statusDetail: `${step}: ${message}${tail ? `\n${tail}` : ''}`.slice(0, 4000) });
      this.deps.log.warn({ nodeId: node.id, step, err: message }, 'node provisioning failed');
      if (!(err instanceof StepFailed) && !(err instanceof SshAuthError)) throw err;
    } finally {
      session?.close();
      await log.flush();
    }
  }

  /** A session, or null when the node's host key must be confirmed first (first contact). */
  private async connect(node: NodeRow, log: NodeLog): Promise<RemoteSession | null> {
    try {
      const session = await this.deps.access.open(node);
      log.out('connect', `host key ${node.hostKeyFingerprint} matches the pinned one`);
      return session;
    } catch (err) {
      if (err instanceof HostKeyError && err.expected === null) {
        await this.deps.store.repos.nodes.update(node.id, { status: 'awaiting_host_key', seenHostKey: err.presented, statusDetail: err.message });
        log.out('connect', `the node presented host key ${err.presented}; confirm it to continue (nothing was sent to the node)`);
        return null;
      }
      throw err;
    }
  }

  /** Runs argv on the node, logging the command and its output; a non-zero exit fails the step unless `ok` accepts it. */
  private async sh(ctx: Ctx, argv: Argv, opts: { stdin?: string; display?: string; timeoutMs?: number; quiet?: boolean; ok?: (code: number | null) => boolean } = {}) {
    ctx.log.cmd(ctx.step, opts.display ?? shellQuote(argv));
    const res = await ctx.session.exec(
      { argv, display: opts.display },
      { stdin: opts.stdin, timeoutMs: opts.timeoutMs ?? 120_000, onLine: opts.quiet ? undefined : (l) => ctx.log.out(ctx.step, l) },
    );
    const accepted = opts.ok ? opts.ok(res.exitCode) : res.exitCode === 0;
    if (!accepted) throw new StepFailed(res.timedOut ? `${opts.display ?? argv[0]} timed out` : `${opts.display ?? shellQuote(argv)} exited with ${res.exitCode ?? res.signal}`);
    return res;
  }

  private readonly steps: Record<(typeof STEPS)[number]['name'], (ctx: Ctx) => Promise<void>> = {
    check: async (ctx) => {
      const uname = (await this.sh(ctx, ['uname', '-sm'])).stdout.trim().split(/\s+/);
      const os = parseOsRelease((await this.sh(ctx, ['cat', '/etc/os-release'], { quiet: true })).stdout);
      const cpus = Number((await this.sh(ctx, ['nproc'])).stdout.trim());
      const mem = memTotalMb((await this.sh(ctx, ['cat', '/proc/meminfo'], { quiet: true })).stdout);
      const disk = parseDf((await this.sh(ctx, ['df', '-Pk', '/var/lib'])).stdout);
      Object.assign(ctx.facts, {
        kernel: uname[0], arch: uname[1], ids: [os.ID, ...(os.ID_LIKE ?? '').split(/\s+/)].filter(Boolean),
        prettyName: os.PRETTY_NAME ?? os.ID ?? 'unknown', cpus, memoryMb: mem, diskFreeGb: Math.floor((disk?.freeMb ?? 0) / 1024),
      });
      ctx.log.out(ctx.step, `${ctx.facts.prettyName}, ${uname.join(' ')}, ${cpus} CPUs, ${mem} MiB memory, ${ctx.facts.diskFreeGb} GiB free under /var/lib`);
      if (uname[0] !== 'Linux') throw new StepFailed(`the node runs ${uname[0]}; Docker Swarm nodes must run Linux`);
      if (!['x86_64', 'aarch64'].includes(uname[1] ?? '')) throw new StepFailed(`the node's architecture ${uname[1]} is not supported (x86_64, aarch64)`);
      const [minMem, minDisk] = [await this.deps.settings.get(nodeMinMemoryMb), await this.deps.settings.get(nodeMinDiskGb)];
      if (mem < minMem) throw new StepFailed(`the node has ${mem} MiB of memory; at least ${minMem} MiB are needed (setting node_min_memory_mb)`);
      if (ctx.facts.diskFreeGb! < minDisk) throw new StepFailed(`the node has ${ctx.facts.diskFreeGb} GiB free under /var/lib; at least ${minDisk} GiB are needed (setting node_min_disk_gb)`);
    },

    docker: async (ctx) => {
      const have = await this.sh(ctx, asRoot(ctx.node.sshUser, ['dockerd', '--version']), { ok: () => true });
      if (have.exitCode === 0) {
        ctx.facts.docker = have.stdout.trim();
        ctx.log.out(ctx.step, 'Docker is installed: nothing to install');
        return;
      }
      const pm = packageManagerFor(ctx.facts.ids ?? []);
      if (!pm) throw new StepFailed(`no supported package manager for ${ctx.facts.prettyName}; install Docker on the node by hand, then retry`);
      for (const argv of installDockerCommands(pm, ctx.node.sshUser)) await this.sh(ctx, argv, { timeoutMs: 15 * 60_000 });
      ctx.facts.docker = (await this.sh(ctx, asRoot(ctx.node.sshUser, ['dockerd', '--version']))).stdout.trim();
    },

    'start-docker': async (ctx) => {
      const user = ctx.node.sshUser;
      const answers = async () => (await this.sh(ctx, asRoot(user, ['docker', 'info', '--format', '{{.ServerVersion}}']), { ok: () => true, quiet: true })).exitCode === 0;
      if (await answers()) {
        ctx.log.out(ctx.step, 'Docker is running');
        return;
      }
      const dockerd = (await this.sh(ctx, asRoot(user, ['which', 'dockerd']))).stdout.trim();
      const systemd = (await this.sh(ctx, ['test', '-d', '/run/systemd/system'], { ok: () => true })).exitCode === 0;
      for (const way of startDockerCommands(user, dockerd, systemd)) {
        ctx.log.out(ctx.step, `starting Docker with ${way.what}`);
        const res = await this.sh(ctx, way.argv, { ok: () => true, timeoutMs: 60_000 });
        if (res.exitCode !== 0) {
          ctx.log.out(ctx.step, `${way.what} did not start Docker (exit ${res.exitCode ?? res.signal})`);
          continue;
        }
        const deadline = Date.now() + 60_000;
        while (Date.now() < deadline) {
          if (await answers()) {
            ctx.log.out(ctx.step, `Docker is running (${way.what})`);
            return;
          }
          await sleep(500);
        }
        ctx.log.out(ctx.step, `Docker did not answer within 60 s after ${way.what}`);
      }
      throw new StepFailed('Docker could not be started on the node (see the output above)');
    },

    registry: async (ctx) => {
      if (!this.deps.registry.address) {
        ctx.log.out(ctx.step, 'no private registry (SLIPWAY_REGISTRY_PORT=0): the node must have the images');
        return;
      }
      const trust = await this.deps.registry.nodeTrust(ctx.node.name);
      const dir = registryDir(trust.address);
      const user = ctx.node.sshUser;
      await this.sh(ctx, asRoot(user, ['mkdir', '-p', dir]));
      await this.sh(ctx, asRoot(user, ['install', '-m', '0644', '/dev/stdin', `${dir}/ca.crt`]), { stdin: trust.caPem });
      await this.sh(ctx, asRoot(user, ['install', '-m', '0644', '/dev/stdin', `${dir}/client.cert`]), { stdin: trust.client.certPem });
      await this.sh(ctx, asRoot(user, ['install', '-m', '0600', '/dev/stdin', `${dir}/client.key`]), { stdin: trust.client.keyPem });
      await this.sh(ctx, asRoot(user, ['docker', 'pull', '--quiet', this.deps.stackImage()]), { timeoutMs: 15 * 60_000 });
    },

    guard: async (ctx) => {
      const argv = await this.deps.fence.argv(ctx.node);
      await this.sh(ctx, argv, { display: `${shellQuote(argv.slice(0, argv.lastIndexOf('--') + 2))} (the egress guard script)`, timeoutMs: 5 * 60_000 });
    },

    join: async (ctx) => {
      const user = ctx.node.sshUser;
      const info = (await this.sh(ctx, asRoot(user, ['docker', 'info', '--format', '{{.Swarm.LocalNodeState}} {{.Swarm.NodeID}}']))).stdout.trim().split(/\s+/);
      const [state, id] = [info[0], info[1]];
      if (state === 'active' && id) {
        if (!(await this.deps.nodes.get(id))) throw new StepFailed(`the node is already part of another swarm (node id ${id}); run "docker swarm leave --force" on it, then retry`);
        ctx.log.out(ctx.step, `already a node of this swarm (${id})`);
        ctx.swarmNodeId = id;
        return;
      }
      if (state !== 'inactive') throw new StepFailed(`the node's swarm state is "${state}"; run "docker swarm leave --force" on it, then retry`);
      const { token, managerAddr } = await this.deps.nodes.joinInfo();
      const join = joinCommand(user, token, managerAddr, net.isIP(ctx.node.host) ? ctx.node.host : null);
      await this.sh(ctx, join.argv, { display: join.display, timeoutMs: 120_000 });
      const after = (await this.sh(ctx, asRoot(user, ['docker', 'info', '--format', '{{.Swarm.NodeID}}']))).stdout.trim();
      if (!after) throw new StepFailed('the node joined but reports no swarm node id');
      ctx.swarmNodeId = after;
      await this.deps.store.repos.nodes.update(ctx.node.id, { swarmNodeId: after });
    },

    label: async (ctx) => {
      const id = ctx.swarmNodeId!;
      const labels = { [LABEL_NODE]: ctx.node.id, [LABEL_EDGE]: ctx.node.roles.includes('edge') ? 'true' : null };
      await this.deps.nodes.update(id, { labels, availability: 'active' });
      ctx.log.out(ctx.step, Object.entries(labels).map(([k, v]) => (v === null ? `-${k}` : `${k}=${v}`)).join(' '));
    },

    verify: async (ctx) => {
      const deadline = Date.now() + (this.deps.readyTimeoutMs ?? 90_000);
      let state = 'unknown';
      while (Date.now() < deadline) {
        const n = await this.deps.nodes.get(ctx.swarmNodeId!);
        state = n?.state ?? 'gone';
        if (state === 'ready') {
          ctx.log.out(ctx.step, `the manager sees ${n!.hostname} Ready (${n!.availability}, engine ${n!.engineVersion})`);
          return;
        }
        await sleep(1000);
      }
      throw new StepFailed(`the manager sees the node as "${state}", not Ready`);
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
