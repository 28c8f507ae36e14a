// Drain, activate and remove a node (the `drain`, `activate` and `remove` jobs), written to the
// node's log like provisioning.
// Promises: drain sets the node's availability to drain (Swarm stops its tasks there and starts
// them elsewhere, and places nothing new on it) and ends `drained` only once no task runs on it and
// every service that had one there runs its full count again (or `failed` with why, after 10
// minutes); remove refuses while the node holds the only running replica of a service (409 from the
// api; checked again here), drains, makes the node leave the swarm over SSH (and forgets the
// registry's certificates there), deletes it from the swarm, then deletes its row — a node that
// cannot be reached is removed from the swarm by force after it is down.
// Leaves out: provisioning and the heartbeat.
import type { Logger } from '@slipway/core/logger';
import type { Store } from '@slipway/core/repositories/index';
import type { NodeRow } from '@slipway/core/repositories/node.repository';
import { ConflictError } from '@slipway/core/errors';
import type { SwarmNodes } from '@slipway/core/adapters/runtime/swarm/swarm.nodes';
import type { PrivateRegistry } from '../cluster/registry.service.js';
import type { NodeAccess } from './node-access.js';
import { NodeLog } from './node-log.js';
import { asRoot, registryDir } from './node-commands.js';

export interface LifecycleDeps {
  store: Store;
  nodes: SwarmNodes;
  access: NodeAccess;
  registry: PrivateRegistry;
  log: Logger;
  drainTimeoutMs?: number;
  pollMs?: number;
}

export class NodeLifecycle {
  constructor(private readonly deps: LifecycleDeps) {}

  async drain(nodeId: string): Promise<void> {
    const node = await this.deps.store.repos.nodes.find(nodeId);
    if (!node || node.status !== 'draining' || !node.swarmNodeId) return;
    const log = new NodeLog(this.deps.store.repos.nodes, node.id);
    try {
      await this.drainNode(node, log);
      await this.deps.store.transaction(async (repos) => {
        await repos.nodes.transition(node.id, ['draining'], 'drained');
        await repos.activity.record({ orgId: null, action: 'node.drained', details: { node_id: node.id, name: node.name } });
      });
    } catch (err) {
      log.error('drain', (err as Error).message);
      await this.deps.store.repos.nodes.transition(node.id, ['draining'], 'failed', `drain: ${(err as Error).message}`);
    } finally {
      await log.flush();
    }
  }

  async activate(nodeId: string): Promise<void> {
    const node = await this.deps.store.repos.nodes.find(nodeId);
    if (!node?.swarmNodeId) return;
    await this.deps.nodes.update(node.swarmNodeId, { availability: 'active' });
    await this.deps.store.transaction(async (repos) => {
      await repos.nodes.update(node.id, { status: 'ready', statusDetail: null, availability: 'active', missedBeats: 0 });
      await repos.activity.record({ orgId: null, action: 'node.activated', details: { node_id: node.id, name: node.name } });
    });
  }

  async remove(nodeId: string): Promise<void> {
    const { store, nodes, log: plog } = this.deps;
    const node = await store.repos.nodes.find(nodeId);
    if (!node || node.status !== 'removing') return;
    const log = new NodeLog(store.repos.nodes, node.id);
    try {
      if (node.swarmNodeId && (await nodes.get(node.swarmNodeId))) {
        const only = await nodes.onlyReplicaOn(node.swarmNodeId);
        if (only.length) throw new ConflictError(`${node.name} runs the only replica of ${only.join(', ')}; scale them up (or drain the node) first`);
        await this.drainNode(node, log);
        await this.leave(node, log);
        log.step('remove', 'Deleting the node from the swarm');
        const sw = await nodes.get(node.swarmNodeId);
        await nodes.remove(node.swarmNodeId, sw !== null && sw.state !== 'down');
      }
      await store.transaction(async (repos) => {
        await repos.nodes.delete(node.id);
        await repos.activity.record({ orgId: null, action: 'node.removed', details: { node_id: node.id, name: node.name, host: node.host } });
      });
      plog.info({ nodeId: node.id }, 'node removed');
    } catch (err) {
      log.error('remove', (err as Error).message);
      await log.flush();
      await store.repos.nodes.transition(node.id, ['removing'], 'failed', `remove: ${(err as Error).message}`);
      return;
    }
  }

  /** Availability drain, then wait until nothing runs there and what ran there runs elsewhere. */
  private async drainNode(node: NodeRow, log: NodeLog): Promise<void> {
    const { nodes } = this.deps;
    const id = node.swarmNodeId!;
    log.step('drain', `Draining ${node.name}: its tasks move to other nodes`);
    const before = await nodes.tasksOn(id);
    const services = new Set(before.map((t) => t.ServiceID));
    await nodes.update(id, { availability: 'drain' });
    await this.deps.store.repos.nodes.update(node.id, { availability: 'drain' });
    const deadline = Date.now() + (this.deps.drainTimeoutMs ?? 600_000);
    const pollMs = this.deps.pollMs ?? 1000;
    for (;;) {
      const left = (await nodes.tasksOn(id)).filter((t) => ['running', 'starting', 'preparing', 'assigned', 'accepted'].includes(t.Status.State));
      const waiting = left.length ? [] : await this.notYetElsewhere(services);
      if (!left.length && !waiting.length) break;
      if (Date.now() > deadline) {
        throw new Error(left.length ? `${left.length} task(s) still run on the node` : `${waiting.join(', ')} do not run their full count elsewhere`);
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
    log.out('drain', `no task runs on ${node.name}; ${services.size} service(s) run elsewhere`);
    await log.flush();
  }

  /** Replicated services (of `ids`) that run fewer tasks than they should. */
  private async notYetElsewhere(ids: Set<string>): Promise<string[]> {
    const short: string[] = [];
    for (const id of ids) {
      const svc = (await this.deps.nodes.docker.getService(id).inspect().catch(() => null)) as { Spec?: { Name?: string; Mode?: { Replicated?: { Replicas?: number } } } } | null;
      const want = svc?.Spec?.Mode?.Replicated?.Replicas;
      if (want === undefined) continue; // gone, or global (the edge: one per node by design)
      const tasks = (await this.deps.nodes.docker.listTasks({ filters: JSON.stringify({ service: [id], 'desired-state': ['running'] }) })) as { Status: { State: string } }[];
      if (tasks.filter((t) => t.Status.State === 'running').length < want) short.push(svc!.Spec!.Name ?? id);
    }
    return short;
  }

  /** `docker swarm leave` on the node and forget the registry's certificates there (if reachable). */
  private async leave(node: NodeRow, log: NodeLog): Promise<void> {
    log.step('remove', `Making ${node.name} leave the swarm`);
    let session;
    try {
      session = await this.deps.access.open(node, 15_000);
    } catch (err) {
      log.out('remove', `the node cannot be reached (${(err as Error).message}); it is removed from the swarm without leaving`);
      return;
    }
    try {
      const run = async (argv: string[]) => {
        log.cmd('remove', argv.join(' '));
        const res = await session.exec({ argv }, { timeoutMs: 60_000, onLine: (l) => log.out('remove', l) });
        if (res.exitCode !== 0) log.out('remove', `exit ${res.exitCode ?? res.signal}`);
      };
      await run(asRoot(node.sshUser, ['docker', 'swarm', 'leave', '--force']));
      if (this.deps.registry.address) await run(asRoot(node.sshUser, ['rm', '-rf', '--', registryDir(this.deps.registry.address)]));
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && (await this.deps.nodes.get(node.swarmNodeId!))?.state !== 'down') await new Promise((r) => setTimeout(r, 500));
    } finally {
      session.close();
    }
  }
}
