// Docker Engine API client (dockerode) built from config.docker, and what the admin console shows
// about the connection.
// Promises: `unix:///path` and `tcp://host:port` endpoints; TCP uses TLS when a TLS directory
// (ca.pem, cert.pem, key.pem, as `docker --tlsverify` expects) is configured, plain HTTP otherwise;
// connectionInfo() never throws: an unreachable engine is reported as such, with the reason.
// Leaves out: ssh:// endpoints, registry authentication.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Docker from 'dockerode';

export interface DockerEndpoint {
  /** unix:///var/run/docker.sock or tcp://host:2376 */
  host: string;
  tlsDir?: string | undefined;
}

export function dockerOptions(ep: DockerEndpoint): Docker.DockerOptions {
  if (ep.host.startsWith('unix://')) return { socketPath: ep.host.slice('unix://'.length) };
  const m = /^tcp:\/\/([^:/]+|\[[0-9a-f:]+\]):(\d{1,5})\/?$/i.exec(ep.host);
  if (!m) throw new Error('docker host must be unix:///path or tcp://host:port');
  const host = m[1]!.replace(/^\[|\]$/g, '');
  const port = Number(m[2]);
  if (!ep.tlsDir) return { host, port, protocol: 'http' };
  const read = (f: string) => readFileSync(path.join(ep.tlsDir!, f));
  return { host, port, protocol: 'https', ca: read('ca.pem'), cert: read('cert.pem'), key: read('key.pem') };
}

export function createDockerClient(ep: DockerEndpoint): Docker {
  return new Docker(dockerOptions(ep));
}

/** The admin console's "Test connection": connects to `ep` with a short timeout and reports what
 *  connectionInfo() does; a malformed endpoint is reported as unreachable with the rule. */
export async function probeDocker(ep: DockerEndpoint, timeoutMs = 5_000): Promise<DockerConnectionInfo> {
  let docker: Docker;
  try {
    docker = new Docker({ ...dockerOptions(ep), timeout: timeoutMs });
  } catch (err) {
    return { reachable: false, host: ep.host, error: (err as Error).message };
  }
  return dockerConnectionInfo(docker, ep.host);
}

export interface DockerNodeInfo {
  id: string;
  hostname: string;
  role: string;
  availability: string;
  state: string;
  address: string;
  engineVersion: string;
  leader: boolean;
  labels: Record<string, string>;
}

export interface DockerConnectionInfo {
  reachable: boolean;
  host: string;
  /** Why the engine could not be reached (only when reachable is false). */
  error?: string;
  engineVersion?: string;
  apiVersion?: string;
  os?: string;
  swarm?: { state: string; nodeId: string; isManager: boolean; clusterId: string | null };
  nodes?: DockerNodeInfo[];
}

interface SwarmInfo {
  LocalNodeState?: string;
  NodeID?: string;
  ControlAvailable?: boolean;
  Cluster?: { ID?: string };
}

export async function dockerConnectionInfo(docker: Docker, host: string): Promise<DockerConnectionInfo> {
  let version: Docker.DockerVersion;
  let info: { Swarm?: SwarmInfo; OperatingSystem?: string };
  try {
    version = await docker.version();
    info = (await docker.info()) as typeof info;
  } catch (err) {
    return { reachable: false, host, error: (err as Error).message.slice(0, 200) };
  }
  const s = info.Swarm ?? {};
  const result: DockerConnectionInfo = {
    reachable: true,
    host,
    engineVersion: version.Version,
    apiVersion: version.ApiVersion,
    os: info.OperatingSystem,
    swarm: { state: s.LocalNodeState ?? 'inactive', nodeId: s.NodeID ?? '', isManager: !!s.ControlAvailable, clusterId: s.Cluster?.ID ?? null },
  };
  if (s.ControlAvailable) {
    const nodes = (await docker.listNodes()) as Array<{
      ID: string;
      Description?: { Hostname?: string; Engine?: { EngineVersion?: string } };
      Spec?: { Role?: string; Availability?: string; Labels?: Record<string, string> };
      Status?: { State?: string; Addr?: string };
      ManagerStatus?: { Leader?: boolean };
    }>;
    result.nodes = nodes.map((n) => ({
      id: n.ID,
      hostname: n.Description?.Hostname ?? '',
      role: n.Spec?.Role ?? '',
      availability: n.Spec?.Availability ?? '',
      state: n.Status?.State ?? '',
      address: n.Status?.Addr ?? '',
      engineVersion: n.Description?.Engine?.EngineVersion ?? '',
      leader: !!n.ManagerStatus?.Leader,
      labels: n.Spec?.Labels ?? {},
    }));
  }
  return result;
}
