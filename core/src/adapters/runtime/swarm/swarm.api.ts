// Thin typed calls to the Docker Engine API (dockerode) that SwarmRuntime needs: services, tasks,
// networks and secrets, always filtered by Slipway's labels. Docker failures become UpstreamError
// (retried by the worker) with a short message; a missing object is NotFoundError.
// Promises: nothing is removed here unless it carries slipway.managed=true (and the app's id when
// one is given). Leaves out: deciding what to create (service-spec.ts) and waiting (swarm.converge.ts).
import type Docker from 'dockerode';
import { NotFoundError, UpstreamError } from '../../../errors.js';
import { LABEL_APP, LABEL_MANAGED } from '../../../naming.js';
import type { ServiceSpec } from './service-spec.js';

export interface ServiceInfo {
  ID: string;
  Version: { Index: number };
  CreatedAt?: string;
  Spec: ServiceSpec;
  PreviousSpec?: ServiceSpec;
  UpdateStatus?: { State?: string; StartedAt?: string; CompletedAt?: string; Message?: string };
}

export interface TaskInfo {
  ID: string;
  ServiceID: string;
  Slot?: number;
  NodeID?: string;
  CreatedAt: string;
  UpdatedAt: string;
  DesiredState: string;
  Spec: { ContainerSpec?: { Labels?: Record<string, string> }; ForceUpdate?: number };
  Status: {
    State: string;
    Timestamp?: string;
    Message?: string;
    Err?: string;
    ContainerStatus?: { ContainerID?: string; ExitCode?: number };
  };
  NetworksAttachments?: { Network?: { Spec?: { Name?: string } }; Addresses?: string[] }[];
}

interface DockerError {
  statusCode?: number;
  json?: { message?: string };
  message?: string;
}

export function dockerMessage(err: unknown): string {
  const e = err as DockerError;
  return (e?.json?.message ?? e?.message ?? String(err)).slice(0, 300);
}

export function isDockerStatus(err: unknown, status: number): boolean {
  return (err as DockerError)?.statusCode === status;
}

export async function call<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isDockerStatus(err, 404)) throw new NotFoundError(`${what}: not found`);
    throw new UpstreamError(`docker: ${what} failed: ${dockerMessage(err)}`);
  }
}

const labelFilter = (labels: Record<string, string>) => JSON.stringify({ label: Object.entries(labels).map(([k, v]) => `${k}=${v}`) });

export class SwarmApi {
  constructor(readonly docker: Docker) {}

  async services(labels: Record<string, string>): Promise<ServiceInfo[]> {
    const filters = labelFilter({ [LABEL_MANAGED]: 'true', ...labels });
    return call('list services', () => this.docker.listServices({ filters }) as unknown as Promise<ServiceInfo[]>);
  }

  async appServices(appId: string): Promise<ServiceInfo[]> {
    return this.services({ [LABEL_APP]: appId });
  }

  async service(idOrName: string): Promise<ServiceInfo | null> {
    try {
      return (await this.docker.getService(idOrName).inspect()) as ServiceInfo;
    } catch (err) {
      if (isDockerStatus(err, 404)) return null;
      throw new UpstreamError(`docker: inspect service ${idOrName} failed: ${dockerMessage(err)}`);
    }
  }

  async createService(spec: ServiceSpec): Promise<string> {
    const res = await call(`create service ${spec.Name}`, () => this.docker.createService(spec as unknown as Docker.CreateServiceOptions));
    return (res as unknown as { id?: string; ID?: string }).id ?? (res as unknown as { ID: string }).ID;
  }

  /** Replaces the service's spec (optimistic: `version` is the Version.Index it was read at). */
  async updateService(id: string, version: number, spec: ServiceSpec, opts: { rollback?: boolean } = {}): Promise<void> {
    const query: Record<string, string | number> = { version };
    if (opts.rollback) query.rollback = 'previous';
    await call(`update service ${spec.Name}`, () =>
      this.docker.getService(id).update({ _query: query, _body: spec } as unknown as Record<string, unknown>),
    );
  }

  /** Removes a service that carries our labels (and the app's id when given). */
  async removeService(svc: ServiceInfo, appId?: string): Promise<void> {
    const l = svc.Spec.Labels ?? {};
    if (l[LABEL_MANAGED] !== 'true' || (appId !== undefined && l[LABEL_APP] !== appId)) {
      throw new Error(`refusing to remove service ${svc.Spec.Name}: not managed by Slipway for this app`);
    }
    try {
      await this.docker.getService(svc.ID).remove();
    } catch (err) {
      if (!isDockerStatus(err, 404)) throw new UpstreamError(`docker: remove service ${svc.Spec.Name} failed: ${dockerMessage(err)}`);
    }
  }

  async tasks(serviceId: string): Promise<TaskInfo[]> {
    const filters = JSON.stringify({ service: [serviceId] });
    return call('list tasks', () => this.docker.listTasks({ filters }) as unknown as Promise<TaskInfo[]>);
  }

  /** Containers still present (any state) carrying the labels (on this node). */
  async containers(labels: Record<string, string>): Promise<{ Id: string; State: string; Labels: Record<string, string> }[]> {
    const filters = labelFilter({ [LABEL_MANAGED]: 'true', ...labels });
    return call('list containers', () => this.docker.listContainers({ all: true, filters }) as unknown as Promise<{ Id: string; State: string; Labels: Record<string, string> }[]>);
  }

  async ensureOverlayNetwork(name: string, labels: Record<string, string>, attachable: boolean): Promise<string> {
    const existing = await this.network(name);
    if (existing) {
      if (existing.Labels?.[LABEL_MANAGED] !== 'true') throw new UpstreamError(`docker: network ${name} exists but is not managed by Slipway`);
      return existing.Id;
    }
    try {
      const net = await this.docker.createNetwork({
        Name: name,
        Driver: 'overlay',
        Attachable: attachable,
        CheckDuplicate: true,
        Labels: { [LABEL_MANAGED]: 'true', ...labels },
      });
      return net.id;
    } catch (err) {
      if (isDockerStatus(err, 409)) return (await this.network(name))!.Id;
      throw new UpstreamError(`docker: create network ${name} failed: ${dockerMessage(err)}`);
    }
  }

  async network(name: string): Promise<{ Id: string; Name: string; Labels?: Record<string, string> } | null> {
    const filters = JSON.stringify({ name: [name] });
    const nets = await call('list networks', () => this.docker.listNetworks({ filters }));
    const net = nets.find((n) => n.Name === name);
    return net ? { Id: net.Id, Name: net.Name, Labels: net.Labels } : null;
  }

  async networks(labels: Record<string, string>): Promise<{ Id: string; Name: string; Labels?: Record<string, string> }[]> {
    const filters = labelFilter({ [LABEL_MANAGED]: 'true', ...labels });
    const nets = await call('list networks', () => this.docker.listNetworks({ filters }));
    return nets.map((n) => ({ Id: n.Id, Name: n.Name, Labels: n.Labels }));
  }

  async removeNetwork(net: { Id: string; Name: string; Labels?: Record<string, string> }): Promise<boolean> {
    if (net.Labels?.[LABEL_MANAGED] !== 'true') throw new Error(`refusing to remove network ${net.Name}: not managed by Slipway`);
    try {
      await this.docker.getNetwork(net.Id).remove();
      return true;
    } catch (err) {
      if (isDockerStatus(err, 404)) return true;
      if (isDockerStatus(err, 403) || isDockerStatus(err, 409) || /in use|active endpoints/i.test(dockerMessage(err))) return false;
      throw new UpstreamError(`docker: remove network ${net.Name} failed: ${dockerMessage(err)}`);
    }
  }

  async ensureSecret(name: string, data: Buffer, labels: Record<string, string>): Promise<{ id: string; name: string }> {
    const found = await this.secrets({ ...labels });
    const same = found.find((s) => s.Spec.Name === name);
    if (same) return { id: same.ID, name };
    try {
      const res = (await this.docker.createSecret({
        Name: name,
        Labels: { [LABEL_MANAGED]: 'true', ...labels },
        Data: data.toString('base64'),
      })) as unknown as { id?: string; ID?: string };
      return { id: (res.id ?? res.ID)!, name };
    } catch (err) {
      if (isDockerStatus(err, 409)) {
        const again = (await this.secrets(labels)).find((s) => s.Spec.Name === name);
        if (again) return { id: again.ID, name };
      }
      throw new UpstreamError(`docker: create secret for ${labels[LABEL_APP] ?? 'app'} failed: ${dockerMessage(err)}`);
    }
  }

  async secrets(labels: Record<string, string>): Promise<{ ID: string; Spec: { Name: string; Labels?: Record<string, string> } }[]> {
    const filters = labelFilter({ [LABEL_MANAGED]: 'true', ...labels });
    return call('list secrets', () => this.docker.listSecrets({ filters }) as unknown as Promise<{ ID: string; Spec: { Name: string; Labels?: Record<string, string> } }[]>);
  }

  /** Removes a managed secret; false when Docker says it is still in use. */
  async removeSecret(secret: { ID: string; Spec: { Name: string; Labels?: Record<string, string> } }): Promise<boolean> {
    if (secret.Spec.Labels?.[LABEL_MANAGED] !== 'true') throw new Error(`refusing to remove secret ${secret.Spec.Name}: not managed by Slipway`);
    try {
      await this.docker.getSecret(secret.ID).remove();
      return true;
    } catch (err) {
      if (isDockerStatus(err, 404)) return true;
      if (/in use/i.test(dockerMessage(err))) return false;
      throw new UpstreamError(`docker: remove secret failed: ${dockerMessage(err)}`);
    }
  }

  async configs(labels: Record<string, string>): Promise<{ ID: string; Spec: { Name: string; Labels?: Record<string, string> } }[]> {
    const filters = labelFilter({ [LABEL_MANAGED]: 'true', ...labels });
    return call('list configs', () => this.docker.listConfigs({ filters }) as unknown as Promise<{ ID: string; Spec: { Name: string; Labels?: Record<string, string> } }[]>);
  }

  async removeConfig(cfg: { ID: string; Spec: { Name: string; Labels?: Record<string, string> } }): Promise<boolean> {
    if (cfg.Spec.Labels?.[LABEL_MANAGED] !== 'true') throw new Error(`refusing to remove config ${cfg.Spec.Name}: not managed by Slipway`);
    try {
      await this.docker.getConfig(cfg.ID).remove();
      return true;
    } catch (err) {
      if (isDockerStatus(err, 404)) return true;
      if (/in use/i.test(dockerMessage(err))) return false;
      throw new UpstreamError(`docker: remove config failed: ${dockerMessage(err)}`);
    }
  }
}
