// The swarm's nodes as the manager's Engine API sees them: list, labels and availability, join
// tokens, where tasks run, removal. Docker failures become UpstreamError (call()).
// Promises: label changes merge into the node's labels (others are kept) and are optimistic on the
// node's version; `onlyReplicaOn()` names the services whose every running task is on one node.
// Leaves out: reaching the node itself (SSH), deciding when to drain (worker services).
import type Docker from 'dockerode';
import { UpstreamError } from '../../../errors.js';
import { LABEL_MANAGED } from '../../../naming.js';
import { call, type TaskInfo } from './swarm.api.js';

export interface SwarmNode {
  id: string;
  hostname: string;
  role: 'manager' | 'worker';
  /** ready | down | unknown | disconnected */
  state: string;
  availability: 'active' | 'pause' | 'drain';
  address: string;
  labels: Record<string, string>;
  engineVersion: string;
  cpus: number;
  memoryBytes: number;
  leader: boolean;
}

interface RawNode {
  ID: string;
  Version: { Index: number };
  Spec: { Labels?: Record<string, string>; Role: string; Availability: string; Name?: string };
  Description?: { Hostname?: string; Engine?: { EngineVersion?: string }; Resources?: { NanoCPUs?: number; MemoryBytes?: number } };
  Status?: { State?: string; Addr?: string };
  ManagerStatus?: { Leader?: boolean; Addr?: string };
}

const toNode = (n: RawNode): SwarmNode => ({
  id: n.ID,
  hostname: n.Description?.Hostname ?? '',
  role: n.Spec.Role === 'manager' ? 'manager' : 'worker',
  state: n.Status?.State ?? 'unknown',
  availability: (n.Spec.Availability as SwarmNode['availability']) ?? 'active',
  address: n.Status?.Addr ?? '',
  labels: n.Spec.Labels ?? {},
  engineVersion: n.Description?.Engine?.EngineVersion ?? '',
  cpus: (n.Description?.Resources?.NanoCPUs ?? 0) / 1e9,
  memoryBytes: n.Description?.Resources?.MemoryBytes ?? 0,
  leader: !!n.ManagerStatus?.Leader,
});

export class SwarmNodes {
  constructor(readonly docker: Docker) {}

  async list(): Promise<SwarmNode[]> {
    return (await call('list nodes', () => this.docker.listNodes() as unknown as Promise<RawNode[]>)).map(toNode);
  }

  async get(id: string): Promise<SwarmNode | null> {
    try {
      return toNode((await this.docker.getNode(id).inspect()) as RawNode);
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return null;
      throw new UpstreamError(`docker: inspect node failed: ${(err as Error).message.slice(0, 200)}`);
    }
  }

  /** Sets (string) or removes (null) labels and/or the availability, keeping everything else. */
  async update(id: string, change: { labels?: Record<string, string | null>; availability?: SwarmNode['availability'] }): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const raw = (await call('inspect node', () => this.docker.getNode(id).inspect())) as RawNode;
      const labels = { ...(raw.Spec.Labels ?? {}) };
      for (const [k, v] of Object.entries(change.labels ?? {})) {
        if (v === null) delete labels[k];
        else labels[k] = v;
      }
      const spec = { ...raw.Spec, Labels: labels, Availability: change.availability ?? raw.Spec.Availability };
      try {
        await this.docker.getNode(id).update({ _query: { version: raw.Version.Index }, _body: spec } as unknown as Record<string, unknown>);
        return;
      } catch (err) {
        // "update out of sequence": someone else changed the node meanwhile; read it again
        if (attempt < 3 && /out of sequence/i.test((err as Error).message)) continue;
        throw new UpstreamError(`docker: update node failed: ${(err as Error).message.slice(0, 200)}`);
      }
    }
  }

  async remove(id: string, force: boolean): Promise<void> {
    try {
      await this.docker.getNode(id).remove({ force });
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) return;
      throw new UpstreamError(`docker: remove node failed: ${(err as Error).message.slice(0, 200)}`);
    }
  }

  /** What a worker needs to join: the token (a secret: never logged) and a manager's address. */
  async joinInfo(): Promise<{ token: string; managerAddr: string }> {
    const swarm = (await call('inspect swarm', () => this.docker.swarmInspect())) as { JoinTokens?: { Worker?: string } };
    const info = (await call('engine info', () => this.docker.info())) as { Swarm?: { RemoteManagers?: { Addr?: string }[]; NodeAddr?: string } };
    const token = swarm.JoinTokens?.Worker;
    const managerAddr = info.Swarm?.RemoteManagers?.[0]?.Addr ?? (info.Swarm?.NodeAddr ? `${info.Swarm.NodeAddr}:2377` : undefined);
    if (!token || !managerAddr) throw new UpstreamError('docker: the engine is not a swarm manager (no join token or address)');
    return { token, managerAddr };
  }

  /** This engine's own node id and advertise address. */
  async self(): Promise<{ id: string; address: string }> {
    const info = (await call('engine info', () => this.docker.info())) as { Swarm?: { NodeID?: string; NodeAddr?: string } };
    if (!info.Swarm?.NodeID || !info.Swarm.NodeAddr) throw new UpstreamError('docker: the engine is not part of a swarm');
    return { id: info.Swarm.NodeID, address: info.Swarm.NodeAddr };
  }

  /** Tasks Swarm wants running on the node (any service). */
  async tasksOn(nodeId: string): Promise<TaskInfo[]> {
    const filters = JSON.stringify({ node: [nodeId], 'desired-state': ['running'] });
    return call('list tasks', () => this.docker.listTasks({ filters }) as unknown as Promise<TaskInfo[]>);
  }

  /** Names of Slipway's services whose every running task is on `nodeId` (removing it would stop them). */
  async onlyReplicaOn(nodeId: string): Promise<string[]> {
    const filters = JSON.stringify({ label: [`${LABEL_MANAGED}=true`] });
    const services = (await call('list services', () => this.docker.listServices({ filters }))) as { ID: string; Spec?: { Name?: string; Mode?: { Global?: unknown } } }[];
    const out: string[] = [];
    for (const svc of services) {
      if (svc.Spec?.Mode?.Global !== undefined) continue; // one per node by design (the edge)
      const tasks = (await call('list tasks', () => this.docker.listTasks({ filters: JSON.stringify({ service: [svc.ID], 'desired-state': ['running'] }) }))) as unknown as TaskInfo[];
      const running = tasks.filter((t) => t.Status.State === 'running');
      if (running.length > 0 && running.every((t) => t.NodeID === nodeId)) out.push(svc.Spec?.Name ?? svc.ID);
    }
    return out.sort();
  }
}
