// The heartbeat (every node_heartbeat_seconds): each provisioned node's state as the swarm manager
// sees it, and its figures over SSH (CPU, load, memory, disk, tasks), kept in node_metrics for the
// admin console's charts (7 days).
// Promises: a beat counts when the manager sees the node Ready; a `ready` node that misses two beats
// in a row becomes `down` (beat() says when one just missed its first, for an early second look) (activity entry + administrators' notification; Swarm itself reschedules
// its tasks, and places none on it); a `down` node seen Ready again is `ready` again (activity +
// notification). A figures read that fails is recorded on the node (stats.error), never hidden; a
// host key mismatch marks the node untrusted (NodeAccess). The containers' network fence is looked
// for on each beat and put back when it is gone (a reboot empties DOCKER-USER): activity
// `node.fenced`.
// Leaves out: provisioning, drain and removal.
import type { Logger } from '@slipway/core/logger';
import type { Store } from '@slipway/core/repositories/index';
import type { NodeRow } from '@slipway/core/repositories/node.repository';
import { HostKeyError, type RemoteSession } from '@slipway/core/ports/remote-shell.port';
import type { SwarmNodes, SwarmNode } from '@slipway/core/adapters/runtime/swarm/swarm.nodes';
import type { NodeAccess } from './node-access.js';
import type { NodeFence } from './node-fence.js';
import { cpuLine, cpuPercent, memTotalMb, parseDf } from './node-commands.js';

export const MISSED_BEATS_DOWN = 2;
const RETAIN_MS = 7 * 86_400_000;

export class NodeHealth {
  private lastPrune = 0;

  constructor(private readonly deps: { store: Store; nodes: SwarmNodes; access: NodeAccess; log: Logger; fence?: NodeFence }) {}

  /** One beat; true when a ready node just missed its first beat (the caller checks again soon). */
  async beat(): Promise<boolean> {
    const { store, nodes } = this.deps;
    const watched = (await store.repos.nodes.list()).filter((n) => n.swarmNodeId && ['ready', 'down', 'draining', 'drained'].includes(n.status));
    if (!watched.length) return false;
    const swarm = new Map((await nodes.list()).map((n) => [n.id, n]));
    const missedFirst = await Promise.all(watched.map((n) => this.check(n, swarm.get(n.swarmNodeId!) ?? null)));
    if (Date.now() - this.lastPrune > 3_600_000) {
      this.lastPrune = Date.now();
      await store.repos.nodes.pruneMetrics(new Date(Date.now() - RETAIN_MS));
    }
    return missedFirst.some(Boolean);
  }

  private async check(node: NodeRow, sw: SwarmNode | null): Promise<boolean> {
    const { store } = this.deps;
    const alive = sw?.state === 'ready';
    const stats = alive ? await this.figures(node, sw) : { ...node.stats, error: sw ? `the swarm sees the node ${sw.state}` : 'the node is not in the swarm' };
    if (stats === null) return false; // untrusted now
    if (alive) {
      await store.repos.nodes.update(node.id, { missedBeats: 0, lastHeartbeatAt: new Date(), availability: sw.availability, stats });
      if (node.status === 'down') await this.changed(node, 'ready', 'node.up', `Node ${node.name} (${node.host}) is back: the swarm sees it Ready.`);
      return false;
    }
    const missed = node.missedBeats + 1;
    await store.repos.nodes.update(node.id, { missedBeats: missed, availability: sw?.availability ?? node.availability, stats });
    if (missed >= MISSED_BEATS_DOWN && node.status === 'ready') {
      await this.changed(node, 'down', 'node.down', `Node ${node.name} (${node.host}) is down: it missed ${missed} heartbeats (${stats.error}). Swarm moves its tasks to other nodes.`);
    }
    return missed === 1 && node.status === 'ready';
  }

  private async changed(node: NodeRow, to: 'ready' | 'down', action: string, message: string): Promise<void> {
    this.deps.log.warn({ nodeId: node.id, to }, message);
    await this.deps.store.transaction(async (repos) => {
      if (!(await repos.nodes.transition(node.id, [node.status], to, to === 'down' ? message : null))) return;
      await repos.activity.record({ orgId: null, action, details: { node_id: node.id, name: node.name } });
      await repos.nodes.notify({ kind: action, message, details: { node_id: node.id } });
    });
  }

  /** Puts the fence back when it is gone; a failure is logged (the figures still count). */
  private async keepFence(session: RemoteSession, node: NodeRow): Promise<void> {
    const { fence, log, store } = this.deps;
    if (!fence) return;
    try {
      if (await fence.present(session, node)) return;
      await fence.apply(session, node);
      log.warn({ nodeId: node.id }, "the containers' network fence was gone from the node: put back");
      await store.repos.activity.record({ orgId: null, action: 'node.fenced', details: { node_id: node.id, name: node.name } });
    } catch (err) {
      log.error({ nodeId: node.id, err: (err as Error).message }, "could not put the containers' network fence back on the node");
    }
  }

  /** Figures over SSH; the previous CPU counters make the CPU share. null: the node is untrusted now. */
  private async figures(node: NodeRow, sw: SwarmNode): Promise<Record<string, unknown> | null> {
    const { store, access, nodes } = this.deps;
    let session;
    try {
      session = await access.open(node, 10_000);
    } catch (err) {
      if (err instanceof HostKeyError) return null;
      return { ...node.stats, error: `figures: ${(err as Error).message}` };
    }
    try {
      const read = async (argv: string[]) => (await session.exec({ argv }, { timeoutMs: 10_000 })).stdout;
      const [stat, loadavg, meminfo, df] = [await read(['cat', '/proc/stat']), await read(['cat', '/proc/loadavg']), await read(['cat', '/proc/meminfo']), await read(['df', '-Pk', '/var/lib'])];
      const cpu = cpuLine(stat);
      const prev = Array.isArray(node.stats.cpuCounters) ? (node.stats.cpuCounters as number[]) : null;
      const memTotal = memTotalMb(meminfo);
      const memAvail = Math.floor(Number(/^MemAvailable:\s+(\d+) kB/m.exec(meminfo)?.[1] ?? 0) / 1024);
      const disk = parseDf(df);
      const tasks = (await nodes.tasksOn(sw.id)).filter((t) => t.Status.State === 'running').length;
      const figures = {
        cpuPercent: cpuPercent(prev, cpu),
        load1: Number(loadavg.split(/\s+/)[0]) || 0,
        memUsedMb: memTotal - memAvail,
        memTotalMb: memTotal,
        diskUsedMb: disk?.usedMb ?? null,
        diskTotalMb: disk?.totalMb ?? null,
        tasks,
      };
      await store.repos.nodes.addMetric(node.id, figures);
      await this.keepFence(session, node);
      return { ...figures, cpuCounters: cpu, at: new Date().toISOString() };
    } catch (err) {
      return { ...node.stats, error: `figures: ${(err as Error).message}` };
    } finally {
      session.close();
    }
  }
}
