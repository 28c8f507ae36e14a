// Runs one-off dynos (run.N) through the Runtime port, so they land in the same sandbox as the
// app's other dynos: the release the api recorded, its config plus the request's sealed extra
// variables, the dyno's size and time to live; attached ones join their rendezvous session. It
// marks the record up and ended, writes Heroku's platform lines (heroku[run.N]: State changed…),
// and bills the dyno by time like any other: a formation event of type run.N with quantity 1 when
// it starts and 0 when it ends. While it runs it beats every few seconds; a stop request (ps:stop,
// the app deleted or suspended) ends it. reapOrphans() ends the records of dynos whose worker died.
import { readFile } from 'node:fs/promises';
import type { SecretBox } from '@slipway/core/crypto';
import type { Logger } from '@slipway/core/logger';
import type { LogStore } from '@slipway/core/ports/log-store.port';
import type { OneOffResult, Runtime } from '@slipway/core/ports/runtime.port';
import type { Store } from '@slipway/core/repositories/index';
import { oneOffName, type OneOffDynoRow } from '@slipway/core/repositories/one-off.repository';
import type { AppRow, PlanRow } from '@slipway/core/repositories/types';
import type { ConfigVault } from '@slipway/core/services/config-vars.service';
import { dynoToken } from '@slipway/core/adapters/rendezvous/protocol';
import type { ReleaseSpecs } from './release-spec.js';

export interface OneOffRunnerDeps {
  store: Store;
  runtime: Runtime;
  specs: ReleaseSpecs;
  vault: ConfigVault;
  logs: LogStore;
  box: SecretBox;
  log: Logger;
  /** Where dyno sides reach the rendezvous listener, and the CA file that signs its certificate. */
  rendezvous: { host: string; port: number; caFile: string };
  heartbeatMs?: number;
}

export class OneOffRunner {
  private readonly running = new Set<AbortController>();

  constructor(private readonly deps: OneOffRunnerDeps) {}

  /** The worker is stopping: every dyno it runs is stopped (their jobs then end). */
  stopAll(): void {
    for (const ac of this.running) ac.abort();
  }

  /** Runs the dyno to its end (a no-op for one that already ended or never existed). */
  async run(dynoId: string, progress: (line: string) => void = () => undefined): Promise<OneOffResult | null> {
    const { store } = this.deps;
    const row = await store.repos.oneOffs.findById(dynoId);
    if (!row || row.state !== 'starting') return null;
    const app = await store.repos.apps.findById(row.appId);
    const release = await store.repos.releases.findById(row.releaseId);
    const plan = await store.repos.plans.find(row.planId);
    if (!app || !release || !plan) {
      await store.repos.oneOffs.finish(row.id, 'crashed', null);
      return null;
    }
    const name = oneOffName(row);
    const platform = (line: string) => this.logLine(app.id, name, line);

    const stop = new AbortController();
    this.running.add(stop);
    const beat = setInterval(() => {
      store.repos.oneOffs.heartbeat(row.id).then(
        (hb) => {
          if (!hb || hb.stop) stop.abort();
        },
        (err: Error) => this.deps.log.warn({ err: err.message, dynoId }, 'one-off heartbeat failed'),
      );
    }, this.deps.heartbeatMs ?? 2_000);
    let started: Promise<boolean> | null = null;
    const onStart = () => {
      started ??= (async () => {
        if (!(await store.repos.oneOffs.markUp(row.id))) return false;
        await this.bill(app, name, plan, 1, 'one-off dyno started');
        await platform('State changed from starting to up');
        return true;
      })().catch((err: Error) => {
        this.deps.log.warn({ err: err.message, dynoId }, 'one-off start bookkeeping failed');
        return false;
      });
    };
    let result: OneOffResult;
    try {
      const spec = await this.deps.specs.build(store.repos, app, release);
      const env = this.deps.vault.openSnapshot(app, row.env);
      const attach = row.attach
        ? { host: this.deps.rendezvous.host, port: this.deps.rendezvous.port, dynoId: row.id, token: dynoToken(this.deps.box, row.id), caPem: await readFile(this.deps.rendezvous.caFile, 'utf8'), tty: row.tty }
        : null;
      result = await this.deps.runtime.runDyno(
        spec,
        { name, command: row.command, env, plan: { cpu: plan.cpu, memoryMb: plan.ramMb, maxReplicas: plan.maxReplicas }, timeoutMs: row.timeToLive * 1000, attach, signal: stop.signal, onStart },
        progress,
      );
    } catch (err) {
      this.deps.log.error({ err, dynoId }, 'one-off dyno failed to run');
      result = { exitCode: null, timedOut: false };
    } finally {
      clearInterval(beat);
      this.running.delete(stop);
    }
    // the start's bookkeeping (billing from 1) lands before the end's (billing to 0); a dyno
    // stopped on request completed, as on Heroku
    const stopped = stop.signal.aborted && result.exitCode !== null;
    await this.end(app, row, plan, stopped ? { ...result, exitCode: 0 } : result, started !== null && (await started));
    return result;
  }

  /** Ends records of dynos whose worker stopped looking after them; returns how many. */
  async reapOrphans(): Promise<number> {
    const { store } = this.deps;
    const orphans = await store.repos.oneOffs.listOrphans(90, 600);
    for (const row of orphans) {
      const app = await store.repos.apps.findById(row.appId);
      const plan = await store.repos.plans.find(row.planId);
      if (app && plan) await this.end(app, row, plan, { exitCode: null, timedOut: false }, row.state === 'up');
      else await store.repos.oneOffs.finish(row.id, 'crashed', null);
    }
    return orphans.length;
  }

  private async end(app: AppRow, row: OneOffDynoRow, plan: PlanRow, result: OneOffResult, wasUp: boolean): Promise<void> {
    const state = result.exitCode === 0 ? 'complete' : 'crashed';
    if (!(await this.deps.store.repos.oneOffs.finish(row.id, state, result.exitCode))) return;
    const name = oneOffName(row);
    if (wasUp) await this.bill(app, name, plan, 0, 'one-off dyno ended');
    await this.logLine(app.id, name, `State changed from ${wasUp ? 'up' : 'starting'} to ${state}`);
  }

  /** A platform log line (heroku[run.N]); best effort: a lost line is logged at warn, the dyno goes on. */
  private async logLine(appId: string, dyno: string, line: string): Promise<void> {
    try {
      await this.deps.logs.append(appId, { source: 'platform', dyno, line });
    } catch (err) {
      this.deps.log.warn({ appId, dyno, err }, 'one-off dyno: platform log line not written');
    }
  }

  private bill(app: AppRow, type: string, plan: PlanRow, quantity: number, reason: string): Promise<void> {
    return this.deps.store.repos.formation.recordEvents([
      { orgId: app.orgId, appId: app.id, appName: app.name, type, quantity, planId: plan.id, pricePerHour: plan.pricePerHour, reason },
    ]);
  }
}
