// app.json on an app's first deploy — what Heroku's app setup does, done by the first push: the
// manifest is read and validated on every push (an invalid one fails the push naming the field);
// on the first deploy its env gives config vars (values, generated secrets; a required variable
// that is not set fails the push), its buildpacks become the app's (when it names none), its
// formation gives the new process types their quantities and sizes, and after the first release
// is live its postdeploy script runs once as a one-off dyno, its output in the push.
// Process types a release brings follow Heroku's defaults otherwise: web at 1 — unless a Procfile
// declares types but not web (web then comes only from a buildpack's default, at 0) — others at 0.
// Leaves out: add-ons (reported, not provisioned), review apps.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ValidationError } from '@slipway/core/errors';
import { configFromAppJson, parseAppJson, type AppJson } from '@slipway/core/domain/app-json';
import type { Store } from '@slipway/core/repositories/index';
import type { AppRow, PlanRow, ReleaseRow } from '@slipway/core/repositories/types';
import type { ConfigVault } from '@slipway/core/services/config-vars.service';
import { parseProcfile } from '@slipway/builder/procfile';
import type { OneOffRunner } from './one-off-runner.service.js';

export interface SourceManifest {
  appJson: AppJson | null;
  /** Types the Procfile declares; null without a (readable) Procfile. */
  procfileTypes: string[] | null;
}

export type InitialFormation = Record<string, { quantity: number; planId: string | null }>;

const POSTDEPLOY_TTL_SECONDS = 3600;

export class AppSetup {
  constructor(private readonly deps: { store: Store; vault: ConfigVault; runner: OneOffRunner }) {}

  /** app.json (validated) and the Procfile's types of a source tree. */
  async read(sourceDir: string): Promise<SourceManifest> {
    const text = await readFile(path.join(sourceDir, 'app.json'), 'utf8').catch(() => null);
    const appJson = text === null ? null : parseAppJson(text);
    let procfileTypes: string[] | null = null;
    const procfile = await readFile(path.join(sourceDir, 'Procfile'), 'utf8').catch(() => null);
    if (procfile !== null) {
      try {
        procfileTypes = Object.keys(parseProcfile(procfile));
      } catch {
        procfileTypes = null; // the build says what is wrong with it
      }
    }
    return { appJson, procfileTypes };
  }

  /** Whether the app has never had code released (its first deploy is app setup). */
  async firstDeploy(appId: string): Promise<boolean> {
    const current = await this.deps.store.repos.releases.current(appId);
    return !current || (!current.slugId && !current.image);
  }

  /** First deploy: config vars from app.json (before the build, which sees them), its buildpacks
   *  when the app names none, and a check of its formation sizes. Returns the buildpacks to use. */
  async beforeBuild(app: AppRow, m: SourceManifest, userId: string | null, say: (line: string) => void): Promise<string[]> {
    const manifest = m.appJson;
    if (!manifest) return app.buildpacks;
    for (const w of manifest.warnings) say(`       ${w}`);
    const plans = await this.deps.store.repos.plans.list({ activeOnly: true });
    for (const [type, f] of Object.entries(manifest.formation)) if (f.size) sizePlan(plans, f.size, `formation.${type}.size`);
    await this.deps.store.transaction(async (repos) => {
      const locked = (await repos.apps.lock(app.id))!;
      const { set, generated } = configFromAppJson(manifest, await this.deps.vault.read(repos, locked));
      for (const [k, v] of Object.entries(set)) await repos.configVars.upsert(app.id, k, this.deps.vault.sealVar(locked, k, v));
      if (Object.keys(set).length) {
        await repos.activity.record({ orgId: app.orgId, appId: app.id, userId, action: 'config.changed', details: { set: Object.keys(set), source: 'app.json' } });
        say(`       app.json: set ${Object.keys(set).join(', ')}${generated.length ? ` (generated: ${generated.join(', ')})` : ''}`);
      }
    });
    if (app.buildpacks.length || !manifest.buildpacks.length) return app.buildpacks;
    await this.deps.store.repos.apps.update(app.id, { buildpacks: manifest.buildpacks });
    say(`       app.json: buildpacks ${manifest.buildpacks.join(', ')}`);
    return manifest.buildpacks;
  }

  /** Quantities and sizes for the release's process types the app does not have yet. */
  async initialFormation(app: AppRow, m: SourceManifest, processTypes: Record<string, string>, first: boolean): Promise<InitialFormation> {
    const plans = await this.deps.store.repos.plans.list({ activeOnly: true });
    const out: InitialFormation = {};
    for (const type of Object.keys(processTypes)) {
      if (type === 'release') continue;
      const webByDefault = m.procfileTypes === null || m.procfileTypes.includes('web');
      const f = first ? m.appJson?.formation[type] : undefined;
      const plan = f?.size ? sizePlan(plans, f.size, `formation.${type}.size`) : null;
      out[type] = { quantity: f?.quantity ?? (type === 'web' && webByDefault ? 1 : 0), planId: plan && plan.id !== app.planId ? plan.id : null };
    }
    return out;
  }

  /** After the first release is live: the postdeploy script, once, as one-off dyno run.N. */
  async postdeploy(app: AppRow, release: ReleaseRow, m: SourceManifest, userId: string | null, say: (line: string) => void): Promise<void> {
    const script = m.appJson?.postdeploy;
    if (!script) return;
    const plans = await this.deps.store.repos.plans.list({ activeOnly: true });
    const plan = script.size ? sizePlan(plans, script.size, 'scripts.postdeploy.size') : plans.find((p) => p.id === app.planId) ?? (await this.deps.store.repos.plans.findDefault());
    const row = await this.deps.store.transaction(async (repos) => {
      const locked = (await repos.apps.lock(app.id))!;
      return repos.oneOffs.create({
        appId: app.id, command: script.command, env: this.deps.vault.sealSnapshot(locked, {}), attach: false, tty: false,
        planId: plan.id, releaseId: release.id, timeToLive: POSTDEPLOY_TTL_SECONDS, userId,
      });
    });
    say(`-----> Running postdeploy script \`${script.command}\` (run.${row.number})`);
    const res = await this.deps.runner.run(row.id, (l) => say(`       ${l}`));
    if (res?.exitCode === 0) say('       postdeploy script finished');
    else say(`!     postdeploy script ${res?.timedOut ? 'timed out' : `exited with status ${res?.exitCode ?? 'unknown'}`} (it runs once; rerun it with heroku run)`);
  }
}

function sizePlan(plans: PlanRow[], size: string, field: string): PlanRow {
  const plan = plans.find((p) => p.name === size.toLowerCase());
  if (!plan) throw new ValidationError(`app.json: ${field}: "${size}" is not a size of this Slipway (sizes: ${plans.map((p) => p.name).join(', ')}).`, { field: `app.json ${field}` });
  return plan;
}
