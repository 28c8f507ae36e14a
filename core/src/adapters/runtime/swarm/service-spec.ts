// Docker service specs for an app's process types (DESIGN.md §6). Pure functions: no Docker calls.
// Promises: one replicated service per process type named serviceName(app, type), from the stack
// image (or the release's image); labels slipway.managed / slipway.app / org / type / release on the
// service and its containers; config vars and the slug URL reach the container through a Docker
// secret (never in the service's visible spec, never templated by Swarm); limits and reservations
// from the plan; restart policy with delay and bounded attempts; start-first rolling updates that
// Swarm rolls back on failure, after a monitor window; a health check for web (HTTP on the app's
// path, else TCP on PORT); endpoint_mode dnsrr; the organization's overlay network; Traefik labels.
// Every container runs without privileges: all capabilities dropped, no new privileges (setuid
// binaries do not elevate), no host mounts, no Docker socket; slug apps as the image's user "app"
// (10000), never root. Images (catalog templates) keep their own user, since many start as root
// to hand their data dir to a user of their own, with only the capabilities that needs.
// A digest of everything the spec is built from is kept in a label, so drift and no-op deploys are
// visible without comparing specs field by field.
// Leaves out: Docker calls (swarm.runtime.ts), Traefik itself.
import { createHash } from 'node:crypto';
import { LABEL_APP, LABEL_MANAGED, LABEL_ORG, LABEL_RELEASE, LABEL_TYPE, orgNetworkName, serviceName, validateConfigKey } from '../../../naming.js';
import type { AppRef, ProcessSpec, ReleaseSpec, Routing } from '../../../ports/runtime.port.js';
import { traefikLabels } from '../../edge/traefik/traefik.labels.js';

export const LABEL_SPEC = 'slipway.spec';
export const LABEL_APP_NAME = 'slipway.app-name';
export const LABEL_ONE_OFF = 'slipway.one-off';
export const LABEL_KIND = 'slipway.kind';
export const ENV_SECRET_TARGET = 'slipway-env';
export const APP_PORT = 5000;
/** The node label Slipway sets on every node it manages (its id; "manager" on the manager). */
export const LABEL_NODE = 'slipway.node';
const SEC = 1_000_000_000;
const MS = 1_000_000;

export interface SwarmTimings {
  healthIntervalMs: number;
  healthTimeoutMs: number;
  healthRetries: number;
  /** Failed checks in this window after start do not count (the slug is fetched and unpacked first). */
  healthStartPeriodMs: number;
  /** How long Swarm watches an updated task before calling the update good. */
  monitorMs: number;
  restartDelayMs: number;
  restartMaxAttempts: number;
  restartWindowMs: number;
  /** SIGTERM → SIGKILL */
  stopGraceMs: number;
  /** In the container: how long a stopping process keeps serving after it left DNS/Traefik. */
  drainSeconds: number;
}

export const DEFAULT_TIMINGS: SwarmTimings = {
  healthIntervalMs: 2_000,
  healthTimeoutMs: 3_000,
  healthRetries: 3,
  healthStartPeriodMs: 60_000,
  monitorMs: 5_000,
  restartDelayMs: 5_000,
  restartMaxAttempts: 10,
  restartWindowMs: 120_000,
  stopGraceMs: 30_000,
  drainSeconds: 3,
};

/** Slug apps run as the stack image's user "app". */
export const APP_USER = '10000:10000';
/** What an image that starts as root needs to drop to its own user (chown its data, switch ids,
 *  bind a low port): Docker's defaults without NET_RAW, MKNOD, SETFCAP, SETPCAP, SYS_CHROOT,
 *  AUDIT_WRITE and FSETID. */
export const IMAGE_CAPABILITIES = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_SETGID', 'CAP_SETUID', 'CAP_NET_BIND_SERVICE', 'CAP_KILL'];

export interface SpecOptions {
  stackImage: string;
  timings: SwarmTimings;
  certResolver: string;
  /** Fraction of the plan's CPU reserved (the rest is shared); memory is reserved in full. */
  cpuReservationRatio: number;
}

/** Docker's ServiceSpec, as much of it as Slipway writes. */
export interface ServiceSpec {
  Name: string;
  Labels: Record<string, string>;
  TaskTemplate: {
    ContainerSpec: {
      Image: string;
      Args?: string[];
      Env: string[];
      Labels: Record<string, string>;
      Hostname?: string;
      Secrets?: { SecretID: string; SecretName: string; File: { Name: string; UID: string; GID: string; Mode: number } }[];
      Healthcheck?: { Test: string[]; Interval?: number; Timeout?: number; Retries?: number; StartPeriod?: number };
      User?: string;
      CapabilityDrop?: string[];
      CapabilityAdd?: string[];
      Privileges?: { NoNewPrivileges: boolean };
      StopGracePeriod: number;
      StopSignal?: string;
      Init?: boolean;
    };
    Resources: { Limits: { NanoCPUs: number; MemoryBytes: number }; Reservations: { NanoCPUs: number; MemoryBytes: number } };
    RestartPolicy: { Condition: 'any' | 'on-failure' | 'none'; Delay: number; MaxAttempts: number; Window: number };
    Networks: { Target: string; Aliases?: string[] }[];
    Placement?: { Constraints?: string[]; Preferences?: { Spread: { SpreadDescriptor: string } }[] };
    ForceUpdate?: number;
  };
  Mode: { Replicated?: { Replicas: number }; ReplicatedJob?: { MaxConcurrent: number; TotalCompletions: number } };
  UpdateConfig?: { Parallelism: number; Delay: number; FailureAction: string; Monitor: number; MaxFailureRatio: number; Order: string };
  RollbackConfig?: { Parallelism: number; Delay: number; FailureAction: string; Monitor: number; MaxFailureRatio: number; Order: string };
  EndpointSpec: { Mode: 'dnsrr' };
}

export function managedLabels(app: AppRef): Record<string, string> {
  return { [LABEL_MANAGED]: 'true', [LABEL_APP]: app.id, [LABEL_ORG]: app.orgId, [LABEL_APP_NAME]: app.name };
}

/** The env file in the app's secret: NUL-terminated KEY=value entries (read by slipway-run). */
export function envFileContent(env: Record<string, string>, slug: { url: string; sha256: string } | null): Buffer {
  const entries: string[] = [];
  for (const key of Object.keys(env).sort()) {
    validateConfigKey(key);
    if (key === 'PORT' || key === 'SLUG_URL' || key === 'SLUG_SHA256') continue;
    entries.push(`${key}=${env[key]}`);
  }
  if (slug) entries.push(`SLUG_URL=${slug.url}`, `SLUG_SHA256=${slug.sha256}`);
  return Buffer.from(entries.map((e) => `${e}\0`).join(''), 'utf8');
}

export function envSecretName(app: AppRef, content: Buffer): string {
  const digest = createHash('sha256').update(app.id).update('\0').update(content).digest('hex').slice(0, 12);
  return `slw-${app.name}-env-${digest}`;
}

/** What defines the running processes: the task template (less ForceUpdate) and the update policy.
 *  Replicas and routing labels are compared on their own (scale and setRouting change them). */
export function specDigest(s: Pick<ServiceSpec, 'Name' | 'TaskTemplate' | 'UpdateConfig' | 'RollbackConfig'>): string {
  const labels = { ...s.TaskTemplate.ContainerSpec.Labels };
  delete labels[LABEL_SPEC];
  const task = { ...s.TaskTemplate, ContainerSpec: { ...s.TaskTemplate.ContainerSpec, Labels: labels }, ForceUpdate: 0 };
  const value = { name: s.Name, task, update: s.UpdateConfig, rollback: s.RollbackConfig };
  return createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16);
}

export interface ProcessServiceInput {
  spec: ReleaseSpec;
  process: ProcessSpec;
  /** The env secret (already created) or null for image artifacts (env goes in Env). */
  secret: { id: string; name: string } | null;
  /** Replicas; default process.quantity. */
  replicas?: number;
  forceUpdate?: number;
}

export function processServiceSpec(input: ProcessServiceInput, opts: SpecOptions): ServiceSpec {
  const { spec, process: proc } = input;
  const app = spec.app;
  const name = serviceName(app.name, proc.type);
  const t = opts.timings;
  const isWeb = proc.type === 'web';
  const base = managedLabels(app);
  const containerLabels = { ...base, [LABEL_TYPE]: proc.type, [LABEL_RELEASE]: String(spec.release.version) };
  const env = [`PORT=${APP_PORT}`, `DYNO=${proc.type}.{{.Task.Slot}}`, `SLIPWAY_DRAIN_SECONDS=${t.drainSeconds}`];
  let image = opts.stackImage;
  let args: string[] | undefined = [proc.command];
  if (spec.artifact.kind === 'image') {
    image = spec.artifact.image;
    args = proc.command.trim() ? ['/bin/sh', '-c', proc.command] : undefined;
    for (const [k, v] of Object.entries(spec.env)) if (k !== 'PORT') env.push(`${validateConfigKey(k)}=${v}`);
  }
  const plan = proc.plan ?? spec.plan; // a process type with a size of its own (`heroku ps:type`)
  const memory = plan.memoryMb * 1024 * 1024;
  const cpu = Math.round(plan.cpu * SEC);
  const task: ServiceSpec['TaskTemplate'] = {
    ContainerSpec: {
      Image: image,
      ...(args ? { Args: args } : {}),
      Env: env,
      Labels: containerLabels,
      Hostname: `${proc.type}.{{.Task.Slot}}`,
      ...(input.secret
        ? { Secrets: [{ SecretID: input.secret.id, SecretName: input.secret.name, File: { Name: ENV_SECRET_TARGET, UID: '10000', GID: '10000', Mode: 0o400 } }] }
        : {}),
      StopGracePeriod: t.stopGraceMs * MS,
      StopSignal: 'SIGTERM',
      ...(spec.artifact.kind === 'slug' ? { User: APP_USER } : { CapabilityAdd: IMAGE_CAPABILITIES }),
      CapabilityDrop: ['ALL'],
      Privileges: { NoNewPrivileges: true },
    },
    Resources: {
      Limits: { NanoCPUs: cpu, MemoryBytes: memory },
      Reservations: { NanoCPUs: Math.round(cpu * opts.cpuReservationRatio), MemoryBytes: memory },
    },
    RestartPolicy: { Condition: 'any', Delay: t.restartDelayMs * MS, MaxAttempts: t.restartMaxAttempts, Window: t.restartWindowMs * MS },
    Networks: [{ Target: orgNetworkName(app.orgId), Aliases: [name] }],
    // replicas spread over the nodes Slipway labelled (drained and down nodes get none: Swarm's
    // own rule); a plan may pin its apps to some nodes
    Placement: {
      Preferences: [{ Spread: { SpreadDescriptor: `node.labels.${LABEL_NODE}` } }],
      ...(spec.plan.placement?.length ? { Constraints: [...spec.plan.placement] } : {}),
    },
    ForceUpdate: input.forceUpdate ?? 0,
  };
  if (spec.artifact.kind === 'slug') {
    task.ContainerSpec.Healthcheck = isWeb
      ? {
          Test: spec.healthCheckPath ? ['CMD', '/usr/local/bin/slipway-health', spec.healthCheckPath] : ['CMD', '/usr/local/bin/slipway-health'],
          Interval: t.healthIntervalMs * MS,
          Timeout: t.healthTimeoutMs * MS,
          Retries: t.healthRetries,
          StartPeriod: t.healthStartPeriodMs * MS,
        }
      : { Test: ['NONE'] };
  }
  const svcLabels: Record<string, string> = { ...base, [LABEL_TYPE]: proc.type, [LABEL_RELEASE]: String(spec.release.version), [LABEL_KIND]: 'process' };
  if (isWeb) Object.assign(svcLabels, routingLabels(app, spec.routing, opts.certResolver));
  const update = { Parallelism: 1, Delay: 0, Monitor: t.monitorMs * MS, MaxFailureRatio: 0, Order: 'start-first' };
  const out: ServiceSpec = {
    Name: name,
    Labels: svcLabels,
    TaskTemplate: task,
    Mode: { Replicated: { Replicas: input.replicas ?? proc.quantity } },
    UpdateConfig: { ...update, FailureAction: 'rollback' },
    RollbackConfig: { ...update, FailureAction: 'pause', Monitor: Math.min(t.monitorMs, 5_000) * MS },
    EndpointSpec: { Mode: 'dnsrr' },
  };
  const digest = specDigest(out);
  out.Labels[LABEL_SPEC] = digest;
  task.ContainerSpec.Labels[LABEL_SPEC] = digest;
  return out;
}

/** Traefik labels for an app's web service (no hostnames: Traefik leaves it alone). */
export function routingLabels(app: AppRef, routing: Routing, certResolver: string): Record<string, string> {
  return traefikLabels({
    serviceName: serviceName(app.name, 'web'),
    hostnames: routing.hostnames,
    port: APP_PORT,
    network: orgNetworkName(app.orgId),
    certResolver,
    maintenance: routing.maintenance,
  });
}
