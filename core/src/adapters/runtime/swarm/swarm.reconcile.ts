// Drift repair between what should run (the database's current releases, passed in by the worker's
// reconcile job) and what Swarm runs.
// Promises: a process service that should exist and does not is created (a service deleted by hand
// comes back); one running another release than the desired one is updated to it; replicas that
// differ from the desired quantity are set; a managed service whose app is not desired at all is
// removed with everything the app had (an app deleted while the worker was down goes away); a
// service of a process type the release no longer has is removed. Each app is handled under the
// runtime's per-app lock; one app's failure does not stop the others (it is in the report).
// `desired` must list every app that should run: an app missing from it is removed. The list may be
// stale by the time an app's turn comes (a deploy finished meanwhile): given `current`, each app is
// judged by its release read again under the lock (and the caller's `guard`, e.g. the worker's
// per-app database lock), so a stale list never reverts a newer release nor removes a new app.
// Leaves out: waiting for the repaired services to converge (the next reconcile sees them).
import type { AppRef, ReleaseSpec } from '../../../ports/runtime.port.js';
import { LABEL_APP, LABEL_ORG, LABEL_RELEASE, LABEL_TYPE, serviceName } from '../../../naming.js';
import { LABEL_APP_NAME, LABEL_KIND, LABEL_SPEC, processServiceSpec, type SpecOptions } from './service-spec.js';
import type { SwarmApi } from './swarm.api.js';

export interface ReconcileOptions {
  /** Held around each app's repair, outside this runtime's own lock (the worker's per-app lock). */
  guard?: <T>(appId: string, fn: () => Promise<T>) => Promise<T>;
  /** The app's release to run now, or null when it should not run. */
  current?: (appId: string) => Promise<ReleaseSpec | null>;
}

export interface ReconcileReport {
  created: string[];
  updated: string[];
  removed: string[];
  /** "app-name: message" for apps that could not be repaired this time. */
  errors: string[];
}

export interface ReconcileDeps {
  api: SwarmApi;
  specOpts: SpecOptions;
  progress: (line: string) => void;
  withApp<T>(appId: string, fn: () => Promise<T>): Promise<T>;
  /** The app's desired release now (null: it should not run); read under withApp. */
  current?: (appId: string) => Promise<ReleaseSpec | null>;
  prepare(spec: ReleaseSpec): Promise<{ id: string; name: string } | null>;
  removeApp(app: AppRef): Promise<void>;
  ensureMaintenance(): Promise<void>;
  /** After an app was repaired (its spec) or removed (null), under withApp: e.g. its edge route. */
  routed?(app: AppRef, spec: ReleaseSpec | null): Promise<void>;
}

export async function reconcile(desired: ReleaseSpec[], d: ReconcileDeps): Promise<ReconcileReport> {
  const report: ReconcileReport = { created: [], updated: [], removed: [], errors: [] };
  const byApp = new Map(desired.map((s) => [s.app.id, s]));
  const managed = (await d.api.services({})).filter((s) => s.Spec.Labels[LABEL_APP]);
  const orphans = new Map<string, { app: AppRef; names: string[] }>();
  for (const svc of managed) {
    const l = svc.Spec.Labels;
    const appId = l[LABEL_APP]!;
    if (byApp.has(appId)) continue;
    const entry = orphans.get(appId) ?? { app: { id: appId, name: l[LABEL_APP_NAME] ?? '', orgId: l[LABEL_ORG] ?? '' }, names: [] };
    entry.names.push(svc.Spec.Name);
    orphans.set(appId, entry);
  }
  for (const { app, names } of orphans.values()) {
    try {
      const removed = await d.withApp(app.id, async () => {
        if (d.current && (await d.current(app.id))) return false; // deployed since the list was read
        await d.removeApp(app);
        await d.routed?.(app, null);
        return true;
      });
      if (!removed) continue;
      d.progress(`removed ${names.join(', ')} (app ${app.id} is gone)`);
      report.removed.push(...names);
    } catch (err) {
      report.errors.push(`${app.name || app.id}: ${(err as Error).message}`);
    }
  }
  for (const spec of desired) {
    try {
      await d.withApp(spec.app.id, async () => {
        const now = d.current ? await d.current(spec.app.id) : spec;
        if (now) {
          await repairApp(now, d, report);
          await d.routed?.(now.app, now);
        } // null: deleted since the list was read (its removal job runs)
      });
    } catch (err) {
      report.errors.push(`${spec.app.name}: ${(err as Error).message}`);
    }
  }
  return report;
}

async function repairApp(spec: ReleaseSpec, d: ReconcileDeps, report: ReconcileReport): Promise<void> {
  // re-read under the app's lock: a deploy may have run since the listing
  const current = new Map(
    (await d.api.services({ [LABEL_APP]: spec.app.id, [LABEL_KIND]: 'process' })).map((s) => [s.Spec.Name, s]),
  );
  let secret: { id: string; name: string } | null | undefined;
  const secretFor = async () => (secret === undefined ? (secret = await d.prepare(spec)) : secret);
  for (const p of spec.processes) {
    const name = serviceName(spec.app.name, p.type);
    const svc = current.get(name);
    if (!svc) {
      await d.api.createService(processServiceSpec({ spec, process: p, secret: await secretFor() }, d.specOpts));
      d.progress(`recreated ${name} (v${spec.release.version}, ${p.quantity} × ${p.type})`);
      report.created.push(name);
      continue;
    }
    if (svc.Spec.Labels[LABEL_RELEASE] !== String(spec.release.version)) {
      const want = processServiceSpec({ spec, process: p, secret: await secretFor(), forceUpdate: svc.Spec.TaskTemplate.ForceUpdate }, d.specOpts);
      await d.api.updateService(svc.ID, svc.Version.Index, want);
      d.progress(`updated ${name} from v${svc.Spec.Labels[LABEL_RELEASE]} to v${spec.release.version}`);
      report.updated.push(name);
    } else if ((svc.Spec.Mode.Replicated?.Replicas ?? 0) !== p.quantity) {
      await d.api.updateService(svc.ID, svc.Version.Index, { ...svc.Spec, Mode: { Replicated: { Replicas: p.quantity } } });
      d.progress(`scaled ${name} to ${p.quantity}`);
      report.updated.push(name);
    } else if (!svc.Spec.Labels[LABEL_SPEC]) {
      report.errors.push(`${spec.app.name}: ${name} has no spec digest label`);
    }
  }
  const types = new Set(spec.processes.map((p) => p.type));
  for (const svc of current.values()) {
    if (types.has(svc.Spec.Labels[LABEL_TYPE] ?? '')) continue;
    await d.api.removeService(svc, spec.app.id);
    report.removed.push(svc.Spec.Name);
  }
  if (spec.routing.maintenance) await d.ensureMaintenance();
}
