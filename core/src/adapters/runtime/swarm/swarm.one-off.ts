// One-off processes on Swarm (the release phase, and one-off dynos run.N): a one-replica service
// with restart condition none, from the release's artifact and env, on the org network, with the
// plan's limits.
// Promises: output lines reach `progress` while the task runs (and any the live stream missed,
// after it ends); the exit code is the container's; at the deadline the service is removed
// (which kills the task) and the result says timedOut; the service is removed whatever happens.
// A stop signal removes the service (which ends the task); onStart is called once the task runs.
// Leaves out: interactive one-offs (no TTY or stdin): an attached dyno's container runs
// slipway-attach, which joins the rendezvous session itself.
import { setTimeout as sleep } from 'node:timers/promises';
import type { OneOffDynoSpec, OneOffResult, Progress, ReleaseSpec } from '../../../ports/runtime.port.js';
import { LABEL_KIND, processServiceSpec, type SpecOptions } from './service-spec.js';
import type { SwarmApi, TaskInfo } from './swarm.api.js';
import { readServiceLogs } from './swarm.logs.js';

export interface OneOffInput {
  api: SwarmApi;
  spec: ReleaseSpec;
  command: string;
  secret: { id: string; name: string } | null;
  name: string;
  specOpts: SpecOptions;
  progress: Progress;
  timeoutMs: number;
  pollMs: number;
  /** DYNO and hostname; default "release.1". */
  dynoName?: string;
  /** The platform's own variables for the container (SLIPWAY_ names), beside the config vars. */
  platformEnv?: Record<string, string>;
  signal?: AbortSignal;
  onStart?: () => void;
}

/** A one-off dyno's environment: the release's config vars with the dyno's own (`env`, checked
 *  as config vars are), and for an attached dyno what slipway-attach needs to join the rendezvous
 *  session and run the command (`platform`: SLIPWAY_ names, which config vars may not use). */
export function oneOffDynoEnv(spec: ReleaseSpec, dyno: OneOffDynoSpec): { env: Record<string, string>; platform: Record<string, string> } {
  const a = dyno.attach;
  const platform: Record<string, string> = a ? {
    SLIPWAY_RENDEZVOUS_HOST: a.host, SLIPWAY_RENDEZVOUS_PORT: String(a.port), SLIPWAY_RENDEZVOUS_DYNO: a.dynoId,
    SLIPWAY_RENDEZVOUS_TOKEN: a.token, SLIPWAY_RENDEZVOUS_CA: a.caPem, SLIPWAY_RUN_COMMAND: dyno.command, SLIPWAY_RUN_TTY: a.tty ? '1' : '0',
  } : {};
  return { env: { ...spec.env, ...dyno.env }, platform };
}

const DONE = new Set(['complete', 'failed', 'rejected', 'shutdown', 'orphaned']);

export async function runOneOff(o: OneOffInput): Promise<OneOffResult> {
  const dyno = o.dynoName ?? 'release.1';
  const base = processServiceSpec({ spec: o.spec, process: { type: dyno.split('.')[0]!, command: o.command, quantity: 1 }, secret: o.secret }, o.specOpts);
  const labels = Object.fromEntries(Object.entries(base.Labels).filter(([k]) => !k.startsWith('traefik.')));
  const svcSpec = {
    ...base,
    Name: o.name,
    Labels: { ...labels, [LABEL_KIND]: 'one-off' },
    TaskTemplate: {
      ...base.TaskTemplate,
      ContainerSpec: { ...base.TaskTemplate.ContainerSpec, Hostname: dyno, Env: [...base.TaskTemplate.ContainerSpec.Env.map((e) => (e.startsWith('DYNO=') ? `DYNO=${dyno}` : e)), ...Object.entries(o.platformEnv ?? {}).map(([k, v]) => `${k}=${v}`)], Healthcheck: { Test: ['NONE'] } },
      RestartPolicy: { Condition: 'none' as const, Delay: 0, MaxAttempts: 0, Window: 0 },
    },
    // replicated with restart condition none: Swarm removes the container with the service
    // (a replicated-job's containers outlive it on Engine 20.10)
    Mode: { Replicated: { Replicas: 1 } },
    UpdateConfig: undefined,
    RollbackConfig: undefined,
  };
  const id = await o.api.createService(svcSpec);
  const abort = new AbortController();
  let emitted = 0;
  const live = (async () => {
    try {
      for await (const l of readServiceLogs(o.api, id, { follow: true, tail: 'all', signal: abort.signal })) {
        emitted++;
        o.progress(l.line);
      }
    } catch {
      // the live stream ends when the service is removed; what it missed is read below
    }
  })();
  const deadline = Date.now() + o.timeoutMs;
  let task: TaskInfo | undefined;
  let timedOut = false;
  let started = false;
  try {
    for (;;) {
      task = (await o.api.tasks(id)).sort((a, b) => b.CreatedAt.localeCompare(a.CreatedAt))[0];
      if (!started && task && (task.Status.State === 'running' || DONE.has(task.Status.State))) {
        started = true;
        o.onStart?.();
      }
      if (task && DONE.has(task.Status.State)) break;
      if (Date.now() > deadline || o.signal?.aborted) {
        timedOut = !o.signal?.aborted;
        break;
      }
      await sleep(o.pollMs);
    }
    if (!timedOut) {
      await sleep(300);
      abort.abort();
      await live;
      const all: string[] = [];
      for await (const l of readServiceLogs(o.api, id, { follow: false, tail: 'all' })) all.push(l.line);
      for (const line of all.slice(emitted)) o.progress(line);
    }
  } finally {
    abort.abort();
    const svc = await o.api.service(id);
    if (svc) await o.api.removeService(svc, o.spec.app.id);
    await live;
  }
  if (timedOut) {
    o.progress(`${dyno === 'release.1' ? 'release phase' : dyno} timed out after ${Math.round(o.timeoutMs / 1000)} s`);
    return { exitCode: null, timedOut: true };
  }
  if (o.signal?.aborted) return { exitCode: null, timedOut: false };
  if (task?.Status.State === 'rejected') o.progress(`could not start: ${task.Status.Err ?? task.Status.Message ?? 'rejected'}`);
  return { exitCode: task?.Status.ContainerStatus?.ExitCode ?? null, timedOut: false };
}
