// Runtime on Docker Swarm (dockerode; no docker CLI). One replicated service per process type
// (service-spec.ts), on the organization's overlay network, from the stack image, which fetches the
// release's slug from the URL `slugUrl(spec)` gives (long-lived: tasks restart days later).
// deploy() applies the release to every process type at once and waits: a new service until its
// tasks run (web: healthy), an existing one until Swarm's start-first rolling update completes — or
// Swarm rolls it back, in which case the old tasks never stopped serving and the result says why;
// the other types updated by the same deploy are rolled back too, new services of a failed deploy
// are scaled to 0. Config vars travel in a per-app Docker secret (named by a digest of its content);
// secrets no service refers to any more are removed. Routing is Traefik labels on the web service
// (maintenance points its routers at the maintenance responder, maintenance.ts) and, when given, a
// routing table for Slipway's own nginx edge (`routes`: the app's hostnames → tasks.slw-<app>-web,
// or the no-web page while web runs no process). Operations on one app are serialised in this process.
// Leaves out: building (ContainerBuildExecutor), log storage (swarm.logs.ts reads Docker's logs),
// locking across worker processes, getting images onto nodes (the private registry: worker cluster
// service; useStackImage names the stack image by its registry name).
import { randomBytes } from 'node:crypto';
import type Docker from 'dockerode';
import { CommandFailedError, ValidationError } from '../../../errors.js';
import type { Logger } from '../../../logger.js';
import { LABEL_APP, LABEL_TYPE, serviceName, validateProcessType } from '../../../naming.js';
import type { LogLine, LogStore } from '../../../ports/log-store.port.js';
import type { AppRef, DeployResult, DynoStatus, OneOffDynoSpec, OneOffResult, Progress, ReleaseSpec, Routing, Runtime } from '../../../ports/runtime.port.js';
import type { EdgeRoute } from '../../../ports/edge.port.js';
import type { RoutingTable } from '../../edge/swarm/swarm-edge.config.js';
import { isTraefikLabel } from '../../edge/traefik/traefik.labels.js';
import { KeyedMutex } from '../local/keyed-mutex.js';
import {
  APP_PORT, DEFAULT_TIMINGS, LABEL_KIND, LABEL_SPEC, envFileContent, envSecretName, managedLabels, processServiceSpec, routingLabels,
  type ServiceSpec, type SpecOptions, type SwarmTimings,
} from './service-spec.js';
import { SwarmApi, type ServiceInfo } from './swarm.api.js';
import { waitForNoContainers, waitForTasks, waitForUpdate, type ConvergeResult } from './swarm.converge.js';
import { SwarmLogReader, type RuntimeLogQuery } from './swarm.logs.js';
import { oneOffDynoEnv, runOneOff } from './swarm.one-off.js';
import { SwarmNetworks } from './swarm.networks.js';
import { dynoStatuses, validateSpec, webQuantity } from './swarm.spec-rules.js';
import { reconcile, type ReconcileOptions, type ReconcileReport } from './swarm.reconcile.js';

export type { ReconcileOptions } from './swarm.reconcile.js';

export interface SwarmRuntimeOptions {
  docker: Docker;
  /** config.docker.stackImage */
  stackImage: string;
  /** A URL the tasks fetch the release's slug from, valid as long as the release may restart. */
  slugUrl: (spec: ReleaseSpec) => Promise<string>;
  /** config.docker.attachableNetworks (tests attach probe containers to org networks). */
  attachableNetworks: boolean;
  /** config.traefik.certResolver */
  certResolver: string;
  /** The edge's swarm services (Slipway's nginx edge, an operator's Traefik), kept on every
   *  organization network; each is skipped while absent. */
  edgeService?: string | readonly string[];
  /** The nginx edge's routing table (absent: routing is only the Traefik labels). */
  routes?: RoutingTable;
  logger: Logger;
  /** Where detached one-off dynos' output goes (app[run.N]); the services' own output is read
   *  from Docker (swarm.logs.ts). */
  logs?: LogStore;
  timings?: Partial<SwarmTimings>;
  /** Fraction of the plan's CPU reserved on the node (default 0.25). */
  cpuReservationRatio?: number;
  /** How long deploy(), restart() and scale() wait for Swarm (default 10 min). */
  convergeTimeoutMs?: number;
  pollMs?: number;
}

interface Applied {
  type: string;
  svc: ServiceInfo | null;
  id: string;
  created: boolean;
  updated: boolean;
  result: ConvergeResult;
}

export class SwarmRuntime implements Runtime {
  readonly kind = 'swarm' as const;
  readonly api: SwarmApi;
  private readonly mutex = new KeyedMutex();
  private readonly specOpts: SpecOptions;
  private readonly timeoutMs: number;
  private readonly pollMs: number;
  private readonly logReader: SwarmLogReader;
  private readonly networks: SwarmNetworks;

  constructor(private readonly opts: SwarmRuntimeOptions) {
    this.api = new SwarmApi(opts.docker);
    this.specOpts = {
      stackImage: opts.stackImage,
      timings: { ...DEFAULT_TIMINGS, ...opts.timings },
      certResolver: opts.certResolver,
      cpuReservationRatio: opts.cpuReservationRatio ?? 0.25,
    };
    this.timeoutMs = opts.convergeTimeoutMs ?? 600_000;
    this.pollMs = opts.pollMs ?? 500;
    this.logReader = new SwarmLogReader(this.api);
    const e = opts.edgeService;
    this.networks = new SwarmNetworks({
      api: this.api, edgeServices: e === undefined ? [] : typeof e === 'string' ? [e] : e, attachableNetworks: opts.attachableNetworks,
      stackImage: opts.stackImage, logger: opts.logger, pollMs: this.pollMs,
    });
  }

  get specOptions(): SpecOptions {
    return this.specOpts;
  }

  /** Services created or updated from now on run this stack image (e.g. its private-registry name). */
  useStackImage(ref: string): void {
    this.specOpts.stackImage = ref;
  }

  /** The app's route in the nginx edge's table: its hostnames → its web tasks, if web runs. */
  private async publishRoute(app: AppRef, routing: Routing, webReplicas: number): Promise<void> {
    if (!this.opts.routes) return;
    const route: EdgeRoute = {
      appId: app.id,
      hostnames: routing.hostnames,
      maintenance: routing.maintenance,
      ...(routing.unavailable ? { unavailable: true } : {}),
      ...(routing.httpsRedirect ? { httpsRedirect: true } : {}),
      targets: webReplicas > 0 ? [{ host: `tasks.${serviceName(app.name, 'web')}`, port: APP_PORT }] : [],
    };
    await this.opts.routes.setRoute(route);
  }

  deploy(spec: ReleaseSpec, progress: Progress): Promise<DeployResult> {
    validateSpec(spec);
    return this.mutex.run(spec.app.id, () => this.deployLocked(spec, progress));
  }

  runOnce(spec: ReleaseSpec, command: string, progress: Progress, timeoutMs: number): Promise<OneOffResult> {
    validateSpec(spec);
    if (!command.trim()) throw new ValidationError('one-off command is empty');
    return this.mutex.run(spec.app.id, async () => {
      const secret = await this.prepare(spec);
      const name = `${serviceName(spec.app.name, 'run')}-${randomBytes(3).toString('hex')}`;
      try {
        return await runOneOff({ api: this.api, spec, command, secret, name, specOpts: this.specOpts, progress, timeoutMs, pollMs: this.pollMs });
      } finally {
        await this.pruneSecrets(spec.app.id);
      }
    });
  }

  /** A one-off dyno: a one-replica service that ends with its command. Attached, the container
   *  runs slipway-attach (stack image), which joins the rendezvous session and runs the command
   *  in a pseudo-terminal; the app lock is held only while its env secret is made. */
  async runDyno(spec: ReleaseSpec, dyno: OneOffDynoSpec, progress: Progress): Promise<OneOffResult> {
    validateSpec(spec);
    if (!dyno.command.trim()) throw new ValidationError('one-off command is empty');
    const a = dyno.attach;
    const { env, platform } = oneOffDynoEnv(spec, dyno);
    const withEnv: ReleaseSpec = { ...spec, env, plan: dyno.plan };
    const secret = await this.mutex.run(spec.app.id, () => this.prepare(withEnv));
    const name = `${serviceName(spec.app.name, 'run')}-${dyno.name.split('.')[1]}-${randomBytes(3).toString('hex')}`;
    const logs = this.opts.logs;
    const onLine = (line: string) => {
      progress(line);
      if (!a && logs) logs.append(spec.app.id, { source: 'app', dyno: dyno.name, line }).catch((err: unknown) => this.opts.logger.warn({ appId: spec.app.id, dyno: dyno.name, err }, 'one-off dyno: log line not written'));
    };
    try {
      return await runOneOff({
        api: this.api, spec: withEnv, command: a ? 'exec /usr/local/bin/slipway-attach' : dyno.command, secret, name, specOpts: this.specOpts,
        progress: onLine, timeoutMs: dyno.timeoutMs, pollMs: this.pollMs, dynoName: dyno.name, platformEnv: platform, signal: dyno.signal, onStart: dyno.onStart,
      });
    } finally {
      await this.mutex.run(spec.app.id, () => this.pruneSecrets(spec.app.id));
    }
  }

  scale(spec: ReleaseSpec): Promise<void> {
    validateSpec(spec);
    return this.mutex.run(spec.app.id, async () => {
      const existing = await this.processServices(spec.app.id);
      const waits: Promise<ConvergeResult>[] = [];
      const missing = spec.processes.filter((p) => !existing.has(serviceName(spec.app.name, p.type)));
      if (missing.length) {
        const secret = await this.prepare(spec);
        for (const p of missing) {
          const id = await this.api.createService(processServiceSpec({ spec, process: p, secret }, this.specOpts));
          waits.push(this.waitTasks(id, () => undefined));
        }
      }
      for (const p of spec.processes) {
        const svc = existing.get(serviceName(spec.app.name, p.type));
        if (!svc || svc.Spec.Mode.Replicated?.Replicas === p.quantity) continue;
        await this.api.updateService(svc.ID, svc.Version.Index, { ...svc.Spec, Mode: { Replicated: { Replicas: p.quantity } } });
        waits.push(this.waitTasks(svc.ID, () => undefined));
      }
      const failed = (await Promise.all(waits)).filter((r) => !r.ok);
      if (failed.length) this.opts.logger.warn({ appId: spec.app.id, reasons: failed.map((f) => (f.ok ? '' : f.reason)) }, 'scale did not converge');
      await this.publishRoute(spec.app, spec.routing, webQuantity(spec));
    });
  }

  restart(app: AppRef, type?: string): Promise<void> {
    if (type !== undefined) validateProcessType(type);
    return this.mutex.run(app.id, async () => {
      const services = [...(await this.processServices(app.id)).values()].filter((s) => type === undefined || s.Spec.Labels[LABEL_TYPE] === type);
      const results = await Promise.all(
        services.map(async (svc): Promise<ConvergeResult> => {
          const prev = svc.UpdateStatus?.StartedAt;
          const next: ServiceSpec = { ...svc.Spec, TaskTemplate: { ...svc.Spec.TaskTemplate, ForceUpdate: (svc.Spec.TaskTemplate.ForceUpdate ?? 0) + 1 } };
          await this.api.updateService(svc.ID, svc.Version.Index, next);
          if ((svc.Spec.Mode.Replicated?.Replicas ?? 0) === 0) return { ok: true };
          return waitForUpdate(this.api, svc.ID, prev, { timeoutMs: this.timeoutMs, pollMs: this.pollMs });
        }),
      );
      const failure = results.find((r) => !r.ok);
      if (failure && !failure.ok) throw new CommandFailedError(`restart failed, the running processes keep serving: ${failure.reason}`);
    });
  }

  setRouting(app: AppRef, routing: Routing): Promise<void> {
    return this.mutex.run(app.id, async () => {
      const labels = routingLabels(app, routing, this.opts.certResolver);
      if (routing.maintenance) await this.networks.ensureMaintenanceService();
      const svc = await this.api.service(serviceName(app.name, 'web'));
      if (!svc || svc.Spec.Labels[LABEL_APP] !== app.id) return;
      await this.publishRoute(app, routing, svc.Spec.Mode.Replicated?.Replicas ?? 0);
      const kept = Object.fromEntries(Object.entries(svc.Spec.Labels).filter(([k]) => !isTraefikLabel(k)));
      await this.api.updateService(svc.ID, svc.Version.Index, { ...svc.Spec, Labels: { ...kept, ...labels } });
    });
  }

  stop(app: AppRef): Promise<void> {
    return this.mutex.run(app.id, async () => {
      for (const svc of (await this.processServices(app.id)).values()) {
        if ((svc.Spec.Mode.Replicated?.Replicas ?? 0) === 0) continue;
        await this.api.updateService(svc.ID, svc.Version.Index, { ...svc.Spec, Mode: { Replicated: { Replicas: 0 } } });
      }
      const gone = await waitForNoContainers(this.api, { [LABEL_APP]: app.id }, this.specOpts.timings.stopGraceMs + 30_000, this.pollMs);
      if (!gone) this.opts.logger.warn({ appId: app.id }, 'containers still present after stop');
      const routed = (await this.opts.routes?.routes())?.find((r) => r.appId === app.id);
      if (routed) await this.publishRoute(app, routed, 0);
    });
  }

  remove(app: AppRef): Promise<void> {
    return this.mutex.run(app.id, async () => {
      await this.opts.routes?.removeRoute(app.id);
      await this.removeLocked(app);
    });
  }

  async status(appId: string): Promise<DynoStatus[]> {
    return dynoStatuses(this.api, (await this.processServices(appId)).values());
  }

  /** Compare the swarm with the desired releases (every app that should run) and repair drift;
   *  `opts.current` re-reads an app's release under `opts.guard` and this runtime's lock. */
  async reconcile(desired: ReleaseSpec[], progress: Progress = () => undefined, opts: ReconcileOptions = {}): Promise<ReconcileReport> {
    for (const s of desired) validateSpec(s);
    const guard = opts.guard ?? ((_appId, fn) => fn());
    const current = opts.current;
    const withApp = <T>(appId: string, fn: () => Promise<T>) => guard(appId, () => this.mutex.run(appId, fn));
    const routes = this.opts.routes;
    const report = await reconcile(desired, {
      api: this.api,
      specOpts: this.specOpts,
      progress,
      withApp,
      ...(current ? { current: async (appId: string) => { const s = await current(appId); if (s) validateSpec(s); return s; } } : {}),
      prepare: (spec) => this.prepare(spec),
      removeApp: (app) => this.removeLocked(app),
      ensureMaintenance: () => this.networks.ensureMaintenanceService(),
      ...(routes ? { routed: (app: AppRef, spec: ReleaseSpec | null) => (spec ? this.publishRoute(app, spec.routing, webQuantity(spec)) : routes.removeRoute(app.id)) } : {}),
    });
    if (routes) {
      // routes of apps that are neither desired nor on the swarm any more
      const wanted = new Set(desired.map((s) => s.app.id));
      for (const r of await routes.routes()) {
        if (wanted.has(r.appId)) continue;
        await withApp(r.appId, async () => {
          if (!current || !(await current(r.appId))) await routes.removeRoute(r.appId);
        });
      }
    }
    return report;
  }

  /** The app's processes' output from Docker's service logs. */
  logs(appId: string, query: RuntimeLogQuery): AsyncIterable<LogLine> {
    return this.logReader.read(appId, query);
  }

  // --- internals ---------------------------------------------------------------------------

  private async deployLocked(spec: ReleaseSpec, progress: Progress): Promise<DeployResult> {
    const v = `v${spec.release.version}`;
    progress(`Deploying ${v} to Swarm`);
    const secret = await this.prepare(spec);
    const existing = await this.processServices(spec.app.id);
    const applied = await Promise.all(
      spec.processes.map(async (p): Promise<Applied> => {
        const cur = existing.get(serviceName(spec.app.name, p.type)) ?? null;
        const desired = processServiceSpec({ spec, process: p, secret, forceUpdate: cur?.Spec.TaskTemplate.ForceUpdate }, this.specOpts);
        const onEvent = (line: string) => progress(line);
        if (!cur) {
          if (p.quantity > 0) progress(`Starting ${p.type} (${p.quantity} × ${desired.Name})`);
          const since = Date.now();
          const id = await this.api.createService(desired);
          return { type: p.type, svc: null, id, created: true, updated: false, result: await this.waitTasks(id, onEvent, since) };
        }
        if (cur.Spec.Labels[LABEL_SPEC] === desired.Labels[LABEL_SPEC]) {
          await this.api.updateService(cur.ID, cur.Version.Index, desired);
          return { type: p.type, svc: cur, id: cur.ID, created: false, updated: false, result: await this.waitTasks(cur.ID, onEvent) };
        }
        if (p.quantity > 0) progress(`Starting ${p.type} of ${v} beside the running one (start-first)`);
        await this.api.updateService(cur.ID, cur.Version.Index, desired);
        const result = await waitForUpdate(this.api, cur.ID, cur.UpdateStatus?.StartedAt, { timeoutMs: this.timeoutMs, pollMs: this.pollMs, onEvent });
        return { type: p.type, svc: cur, id: cur.ID, created: false, updated: true, result };
      }),
    );
    const failed = applied.filter((a) => !a.result.ok);
    if (failed.length) {
      const reason = failed.map((a) => `${a.type}: ${a.result.ok ? '' : a.result.reason}`).join('; ');
      progress(`Deploy of ${v} failed: ${reason}`);
      await this.undo(applied, progress);
      await this.pruneSecrets(spec.app.id);
      return { ok: false, reason };
    }
    const wanted = new Set(spec.processes.map((p) => serviceName(spec.app.name, p.type)));
    for (const [name, svc] of existing) {
      if (wanted.has(name)) continue;
      progress(`Stopping ${svc.Spec.Labels[LABEL_TYPE]} (not in ${v})`);
      await this.api.removeService(svc, spec.app.id);
    }
    if (spec.routing.maintenance) await this.networks.ensureMaintenanceService();
    await this.publishRoute(spec.app, spec.routing, webQuantity(spec));
    await this.pruneSecrets(spec.app.id);
    progress(`${v} is live`);
    return { ok: true };
  }

  /** After a failed deploy: roll back what was updated and went through, scale new services to 0. */
  private async undo(applied: Applied[], progress: Progress): Promise<void> {
    for (const a of applied) {
      const svc = await this.api.service(a.id);
      if (!svc) continue;
      if (a.created) {
        await this.api.updateService(svc.ID, svc.Version.Index, { ...svc.Spec, Mode: { Replicated: { Replicas: 0 } } });
      } else if (a.updated && a.result.ok) {
        progress(`Rolling ${a.type} back to the previous release`);
        await this.api.updateService(svc.ID, svc.Version.Index, svc.Spec, { rollback: true });
        await waitForTasks(this.api, svc.ID, { timeoutMs: this.timeoutMs, pollMs: this.pollMs });
      } else if (!a.result.ok && !a.result.rolledBack && a.updated && svc.PreviousSpec) {
        progress(`Rolling ${a.type} back to the previous release`);
        await this.api.updateService(svc.ID, svc.Version.Index, svc.Spec, { rollback: true });
      }
    }
  }

  private waitTasks(id: string, onEvent: (l: string) => void, since?: number): Promise<ConvergeResult> {
    return waitForTasks(this.api, id, { timeoutMs: this.timeoutMs, pollMs: this.pollMs, onEvent, since });
  }

  /** Org network + the env secret (slug URL and config vars); null secret for image artifacts. */
  private async prepare(spec: ReleaseSpec): Promise<{ id: string; name: string } | null> {
    await this.networks.ensureOrgNetwork(spec.app.orgId);
    if (spec.artifact.kind !== 'slug') return null;
    const url = await this.opts.slugUrl(spec);
    const content = envFileContent(spec.env, { url, sha256: spec.artifact.sha256 });
    return this.api.ensureSecret(envSecretName(spec.app, content), content, managedLabels(spec.app));
  }

  private async processServices(appId: string): Promise<Map<string, ServiceInfo>> {
    const list = await this.api.services({ [LABEL_APP]: appId, [LABEL_KIND]: 'process' });
    return new Map(list.map((s) => [s.Spec.Name, s]));
  }

  /** Removes the app's secrets that no service (current or previous spec) refers to. */
  private async pruneSecrets(appId: string): Promise<void> {
    const services = await this.api.appServices(appId);
    const used = new Set<string>();
    for (const s of services) for (const spec of [s.Spec, s.PreviousSpec]) for (const r of spec?.TaskTemplate.ContainerSpec.Secrets ?? []) used.add(r.SecretID);
    for (const secret of await this.api.secrets({ [LABEL_APP]: appId })) {
      if (!used.has(secret.ID)) await this.api.removeSecret(secret);
    }
  }

  private async removeLocked(app: AppRef): Promise<void> {
    for (const svc of await this.api.appServices(app.id)) await this.api.removeService(svc, app.id);
    const gone = await waitForNoContainers(this.api, { [LABEL_APP]: app.id }, this.specOpts.timings.stopGraceMs + 30_000, this.pollMs);
    if (!gone) this.opts.logger.warn({ appId: app.id }, 'containers still present after remove');
    const deadline = Date.now() + 30_000;
    for (;;) {
      let left = 0;
      for (const s of await this.api.secrets({ [LABEL_APP]: app.id })) if (!(await this.api.removeSecret(s))) left++;
      for (const c of await this.api.configs({ [LABEL_APP]: app.id })) if (!(await this.api.removeConfig(c))) left++;
      if (left === 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, this.pollMs));
    }
    await this.networks.removeOrgNetworkIfUnused(app.orgId);
  }
}
