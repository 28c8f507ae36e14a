// Waiting for Swarm: a rolling update to complete or roll back, a service's tasks to be running
// (healthy, for services with a health check: Swarm marks such a task running only once healthy),
// a service's tasks to be gone. Polls the API (no event stream to lose).
// Promises: every wait ends — converged, failed with a reason, or at its deadline.
// Leaves out: deciding what to do about a failure (swarm.runtime.ts).
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServiceInfo, SwarmApi, TaskInfo } from './swarm.api.js';
import { LABEL_TYPE } from '../../../naming.js';
import { LABEL_SPEC } from './service-spec.js';
import { readServiceLogs } from './swarm.logs.js';

export type ConvergeResult = { ok: true } | { ok: false; reason: string; rolledBack: boolean };

export interface WaitOptions {
  timeoutMs: number;
  pollMs: number;
  /** Progress lines ("web.2 is running"). */
  onEvent?: (line: string) => void;
}

const FAILED = new Set(['failed', 'rejected', 'orphaned']);

/** Tasks of the service's current spec (same spec digest and ForceUpdate). */
export function isCurrent(svc: ServiceInfo, t: TaskInfo): boolean {
  const want = svc.Spec.Labels?.[LABEL_SPEC];
  const got = t.Spec.ContainerSpec?.Labels?.[LABEL_SPEC];
  return (want === undefined || got === undefined || want === got) && (t.Spec.ForceUpdate ?? 0) === (svc.Spec.TaskTemplate.ForceUpdate ?? 0);
}

/** "web.1 exited with status 1 during boot: <its last output lines>" (or why Swarm ended it). */
export async function taskFailure(api: SwarmApi, svc: ServiceInfo, t: TaskInfo): Promise<string> {
  const dyno = `${svc.Spec.Labels?.[LABEL_TYPE] ?? svc.Spec.Name}.${t.Slot ?? '?'}`;
  const exit = t.Status.ContainerStatus?.ExitCode;
  const err = t.Status.Err ?? '';
  // the container (when it is on this node) says whether its health check failed, and how
  const containerId = t.Status.ContainerStatus?.ContainerID;
  const health = containerId
    ? ((await api.docker.getContainer(containerId).inspect().catch(() => null)) as { State?: { Health?: { Status?: string; Log?: { Output?: string }[] } } } | null)?.State?.Health
    : undefined;
  let what: string;
  // 137/143: Swarm stopped it (unhealthy); 0: it stopped on Swarm's SIGTERM
  const killed = exit === 137 || exit === 143 || exit === 0;
  if (exit !== undefined && !killed) what = `${dyno} exited with status ${exit} during boot`;
  else if (health?.Status === 'unhealthy' || /unhealthy/i.test(err)) {
    const probe = health?.Log?.at(-1)?.Output?.trim().split('\n').at(-1);
    what = `${dyno} did not pass its health check${probe ? ` (${probe.slice(0, 200)})` : ''}`;
  } else if (exit !== undefined) what = `${dyno} exited with status ${exit} during boot`;
  else what = `${dyno}: ${[err, t.Status.Message].filter(Boolean).join('; ') || t.Status.State}`;
  const tail: string[] = [];
  try {
    for await (const l of readServiceLogs(api, svc.ID, { follow: false, tail: 200 })) if (l.taskId === t.ID) tail.push(l.line);
  } catch {
    // the service may be gone already: the reason stands without its output
  }
  const last = tail.filter((l) => !l.startsWith('slipway: ')).slice(-20);
  return (last.length ? `${what}:\n${last.join('\n')}` : what).slice(0, 2000);
}

/** Waits until `replicas` tasks of the current spec run and no task of an older spec still runs. */
export async function waitForTasks(api: SwarmApi, serviceId: string, opts: WaitOptions & { since?: number }): Promise<ConvergeResult> {
  const deadline = Date.now() + opts.timeoutMs;
  const since = opts.since ?? Date.now() - 1000;
  const seen = new Set<string>();
  for (;;) {
    const svc = await api.service(serviceId);
    if (!svc) return { ok: false, reason: 'the service disappeared', rolledBack: false };
    const tasks = await api.tasks(svc.ID);
    const current = tasks.filter((t) => isCurrent(svc, t));
    // a global service (the edge) runs one task per eligible node: as many as Swarm wants running
    const global = (svc.Spec.Mode as { Global?: unknown }).Global !== undefined;
    const replicas = global ? current.filter((t) => t.DesiredState === 'running').length : (svc.Spec.Mode.Replicated?.Replicas ?? 0);
    const running = current.filter((t) => t.DesiredState === 'running' && t.Status.State === 'running');
    for (const t of running) {
      if (!seen.has(t.ID)) {
        seen.add(t.ID);
        opts.onEvent?.(`${svc.Spec.Labels?.['slipway.process-type'] ?? svc.Spec.Name}.${t.Slot ?? '?'} is up`);
      }
    }
    // tasks of an older spec still running, or tasks Swarm is stopping (scale down, start-first)
    const oldRunning = tasks.filter((t) => (!isCurrent(svc, t) || t.DesiredState !== 'running') && t.Status.State === 'running');
    const failures = current.filter((t) => FAILED.has(t.Status.State) && Date.parse(t.UpdatedAt) >= since);
    if (running.length === replicas && oldRunning.length === 0 && (replicas > 0 || tasks.every((t) => t.Status.State !== 'running'))) {
      return { ok: true };
    }
    // a task Swarm cannot place (no node with the resources, a constraint nobody meets) stays pending
    const stuck = current.find((t) => t.Status.State === 'pending' && t.Status.Err && Date.now() - Date.parse(t.CreatedAt) > 15_000);
    if (stuck) {
      return { ok: false, reason: `${svc.Spec.Labels?.[LABEL_TYPE] ?? svc.Spec.Name}.${stuck.Slot ?? '?'} cannot be placed: ${stuck.Status.Err}`, rolledBack: false };
    }
    if (failures.length >= 3 || failures.some((t) => t.Status.State === 'rejected')) {
      return { ok: false, reason: await taskFailure(api, svc, failures.at(-1)!), rolledBack: false };
    }
    if (Date.now() > deadline) {
      const last = failures.at(-1);
      return { ok: false, reason: `not running after ${Math.round(opts.timeoutMs / 1000)} s${last ? `: ${await taskFailure(api, svc, last)}` : ''}`, rolledBack: false };
    }
    await sleep(opts.pollMs);
  }
}

/** Waits for the rolling update started after `prevStartedAt` to complete, or to be rolled back. */
export async function waitForUpdate(api: SwarmApi, serviceId: string, prevStartedAt: string | undefined, opts: WaitOptions): Promise<ConvergeResult> {
  const started = Date.now();
  const deadline = started + opts.timeoutMs;
  let lastState = '';
  let namedTask: string | undefined;
  for (;;) {
    const svc = await api.service(serviceId);
    if (!svc) return { ok: false, reason: 'the service disappeared', rolledBack: false };
    const us = svc.UpdateStatus;
    const fresh = us?.State && us.StartedAt !== prevStartedAt;
    if (!fresh && Date.now() - started > 5_000) {
      // Swarm saw nothing to roll (no task change): just wait for the tasks.
      return waitForTasks(api, serviceId, { ...opts, timeoutMs: Math.max(1000, deadline - Date.now()), since: started });
    }
    if (fresh) {
      namedTask = /task ([a-z0-9]{25})/.exec(us.Message ?? '')?.[1] ?? namedTask;
      if (us.State !== lastState) {
        lastState = us.State!;
        if (us.State === 'rollback_started') opts.onEvent?.(`Swarm is rolling back ${svc.Spec.Name}: ${us.Message ?? ''}`);
      }
      switch (us.State) {
        case 'completed':
          return waitForTasks(api, serviceId, { ...opts, timeoutMs: Math.max(1000, deadline - Date.now()), since: started });
        case 'rollback_completed':
        case 'rollback_paused':
        case 'paused': {
          // Swarm names the task that failed the update ("… early termination of task <id>")
          const tasks = await api.tasks(svc.ID);
          const named = namedTask;
          const failed = tasks
            .filter((t) => t.ID === named || (FAILED.has(t.Status.State) && Date.parse(t.UpdatedAt) >= started - 1000))
            .sort((a, b) => (a.ID === named ? 1 : b.ID === named ? -1 : a.UpdatedAt.localeCompare(b.UpdatedAt)));
          const detail = failed.length ? await taskFailure(api, svc, failed.at(-1)!) : (us.Message ?? 'the update failed');
          const what = us.State === 'paused' ? 'the update paused' : 'Swarm rolled the update back';
          return { ok: false, reason: `${detail} (${what})`, rolledBack: us.State !== 'paused' };
        }
        default:
          break;
      }
    }
    if (Date.now() > deadline) return { ok: false, reason: `update not finished after ${Math.round(opts.timeoutMs / 1000)} s`, rolledBack: false };
    await sleep(opts.pollMs);
  }
}

/** Waits until the service's tasks have no running container (after a remove or a scale to 0). */
export async function waitForNoContainers(api: SwarmApi, labels: Record<string, string>, timeoutMs: number, pollMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = await api.containers(labels);
    if (left.length === 0) return true;
    if (Date.now() > deadline) return false;
    await sleep(pollMs);
  }
}
