// Rules SwarmRuntime applies to what it is given and reads from what Swarm reports: a release spec
// is valid before anything is created (process types, whole quantities within the plan, commands,
// positive limits); the tasks Swarm reports become dynos (one per slot, the newest task's state).
// Leaves out: the service specs themselves (service-spec.ts).
import { LimitError, ValidationError } from '../../../errors.js';
import { LABEL_RELEASE, LABEL_TYPE, validateProcessType } from '../../../naming.js';
import type { DynoState, DynoStatus, ReleaseSpec } from '../../../ports/runtime.port.js';
import type { ServiceInfo, SwarmApi } from './swarm.api.js';
import { isCurrent } from './swarm.converge.js';

function dynoState(desired: string, state: string): DynoState {
  if (desired !== 'running') return state === 'running' ? 'stopping' : 'down';
  if (state === 'running') return 'up';
  if (state === 'failed' || state === 'rejected' || state === 'orphaned' || state === 'complete') return 'crashed';
  if (state === 'shutdown' || state === 'remove') return 'down';
  return 'starting';
}

export function webQuantity(spec: ReleaseSpec): number {
  return spec.processes.find((p) => p.type === 'web')?.quantity ?? 0;
}

export function validateSpec(spec: ReleaseSpec): void {
  const seen = new Set<string>();
  for (const p of spec.processes) {
    validateProcessType(p.type);
    if (seen.has(p.type)) throw new ValidationError(`process type "${p.type}" appears twice`);
    seen.add(p.type);
    if (!Number.isInteger(p.quantity) || p.quantity < 0) throw new ValidationError(`quantity of ${p.type} must be a whole number`);
    if (p.quantity > spec.plan.maxReplicas) throw new LimitError(`the plan allows at most ${spec.plan.maxReplicas} processes per type`);
    if (p.quantity > 0 && !p.command.trim() && spec.artifact.kind === 'slug') throw new ValidationError(`process type "${p.type}" has no command`);
  }
  if (!(spec.plan.cpu > 0) || !(spec.plan.memoryMb >= 6)) throw new ValidationError('plan limits must be positive');
}

/** The dynos of an app's process services, one per slot, from the newest task in each. */
export async function dynoStatuses(api: SwarmApi, services: Iterable<ServiceInfo>): Promise<DynoStatus[]> {
  const out: DynoStatus[] = [];
  for (const svc of services) {
    const type = svc.Spec.Labels[LABEL_TYPE] ?? '?';
    const tasks = await api.tasks(svc.ID);
    const bySlot = new Map<number, typeof tasks>();
    for (const t of tasks) if (t.Slot !== undefined) bySlot.set(t.Slot, [...(bySlot.get(t.Slot) ?? []), t]);
    for (const [slot, list] of [...bySlot.entries()].sort((a, b) => a[0] - b[0])) {
      list.sort((a, b) => b.CreatedAt.localeCompare(a.CreatedAt));
      const live = list.find((t) => t.DesiredState === 'running') ?? list[0]!;
      if (live.DesiredState !== 'running' && slot > (svc.Spec.Mode.Replicated?.Replicas ?? 0) && live.Status.State !== 'running') continue;
      out.push({
        name: `${type}.${slot}`,
        type,
        state: dynoState(live.DesiredState, live.Status.State),
        releaseVersion: Number(live.Spec.ContainerSpec?.Labels?.[LABEL_RELEASE] ?? svc.Spec.Labels[LABEL_RELEASE] ?? 0),
        startedAt: live.Status.State === 'running' ? (live.Status.Timestamp ?? null) : null,
        restarts: list.filter((t) => t !== live && isCurrent(svc, t) && ['failed', 'rejected', 'complete'].includes(t.Status.State)).length,
      });
    }
  }
  return out.sort((a, b) => a.type.localeCompare(b.type) || Number(a.name.split('.')[1]) - Number(b.name.split('.')[1]));
}
