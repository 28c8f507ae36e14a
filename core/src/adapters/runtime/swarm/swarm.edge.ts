// Keeping the edge (Traefik's swarm service) on every organization network, so it can reach each
// app's tasks (DESIGN.md §6): a network is added to the edge service's task template when an
// organization's network is created, and taken off before that network is removed.
// Promises: an edge service that does not exist (Traefik not deployed yet) is not an error — it is
// skipped; only the Networks of its task template change (Swarm then replaces the edge's tasks,
// per the edge's own update_config).
// Leaves out: deploying the edge (infra/traefik), its static configuration.
import type { SwarmApi } from './swarm.api.js';

/** What changed: null when the edge service does not exist or already had the networks. */
export interface EdgeChange {
  serviceId: string;
  /** UpdateStatus.StartedAt before the change (to wait for the edge's rolling update). */
  prevStartedAt: string | undefined;
}

async function setNetworks(api: SwarmApi, edgeService: string, change: (targets: string[]) => string[]): Promise<EdgeChange | null> {
  const svc = await api.service(edgeService);
  if (!svc) return null;
  const current = svc.Spec.TaskTemplate.Networks ?? [];
  // Swarm stores network ids; compare by name, from one listing (a listing that fails fails the
  // change: a network taken for another would update the edge, and restart it, for nothing)
  const all = await api.docker.listNetworks();
  const nameOf = (target: string) => all.find((n) => n.Id === target || n.Name === target || (target.length >= 12 && n.Id.startsWith(target)))?.Name ?? target;
  const ids = current.map((n) => nameOf(n.Target));
  const next = change(ids);
  if (next.length === ids.length && next.every((n) => ids.includes(n))) return null;
  const networks = next.map((name) => current.find((n, i) => ids[i] === name) ?? { Target: name });
  await api.updateService(svc.ID, svc.Version.Index, { ...svc.Spec, TaskTemplate: { ...svc.Spec.TaskTemplate, Networks: networks } });
  return { serviceId: svc.ID, prevStartedAt: svc.UpdateStatus?.StartedAt };
}

export function attachEdge(api: SwarmApi, edgeService: string, network: string): Promise<EdgeChange | null> {
  return setNetworks(api, edgeService, (names) => (names.includes(network) ? names : [...names, network]));
}

export function detachEdge(api: SwarmApi, edgeService: string, network: string): Promise<EdgeChange | null> {
  return setNetworks(api, edgeService, (names) => names.filter((n) => n !== network));
}
