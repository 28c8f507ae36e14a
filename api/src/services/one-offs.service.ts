// One-off dynos (Heroku's POST /apps/{app}/dynos: `heroku run`, `run:detached`): records run.N
// for the app's current release with the request's command, extra environment (sealed, it may
// hold secrets), size and time to live, and hands it to the worker (a 'dynos' job holding only
// ids). An attached dyno also gets a rendezvous session: its attach_url is what the CLI connects
// to. The runtime runs it in the same sandbox as the app's other dynos.
// Leaves out: running it (worker/src/services/one-off-runner.service.ts).
import { ConflictError, UpstreamError, ValidationError } from '@slipway/core/errors';
import { CONFIG_KEY_RULE } from '@slipway/core/naming';
import type { JobQueue } from '@slipway/core/ports/job-queue.port';
import type { Store } from '@slipway/core/repositories/index';
import type { ConfigVault } from '@slipway/core/services/config-vars.service';
import type { AppLookup } from './app-lookup.js';
import { oneOffView, type DynoView } from './dynos.service.js';
import { sizeToPlan } from './formation.service.js';

export interface RunInput {
  command: string;
  attach: boolean;
  env?: Record<string, string | number | null>;
  size?: string;
  type?: string;
  force_no_tty?: boolean | null;
  time_to_live?: number;
}

export interface Rendezvous {
  readonly listening: boolean;
  /** Opens a session for the dyno; returns its attach_url. */
  open(dynoId: string): string;
}

// the config var rule, so the variables can travel like config vars (Swarm's env secret)
const ENV_KEY_RE = new RegExp(CONFIG_KEY_RULE);
/** Heroku cycles every dyno within a day; so does a one-off that does not say otherwise. */
export const DEFAULT_TTL_SECONDS = 86_400;

export class OneOffsService {
  constructor(private readonly deps: { store: Store; lookup: AppLookup; jobs: JobQueue; vault: ConfigVault; rendezvous: Rendezvous | null }) {}

  async create(userId: string, idOrName: string, input: RunInput): Promise<{ app: { id: string; name: string }; dyno: DynoView; attachUrl: string | null }> {
    const { store } = this.deps;
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:deploy', 'run one-off dynos');
    if (app.status === 'suspended') throw new ConflictError('This app is suspended because its organization has no credit left; top up the wallet to run dynos.');
    if (input.attach && !this.deps.rendezvous?.listening) {
      throw new UpstreamError('Attached one-off dynos need the rendezvous listener, which is not running (SLIPWAY_RENDEZVOUS_PORT); use run:detached.');
    }
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(input.env ?? {})) {
      if (!ENV_KEY_RE.test(k) || k.length > 128) throw new ValidationError(`Environment variable name "${k.slice(0, 40)}" must match ${CONFIG_KEY_RULE}, as config vars do.`, { field: 'env' });
      if (v !== null) env[k] = String(v);
    }
    const plans = await store.repos.plans.list({ activeOnly: false });
    const typePlan = input.type ? (await store.repos.formation.find(app.id, input.type))?.planId ?? null : null;
    const plan = input.size ? sizeToPlan(input.size, plans) : plans.find((p) => p.id === (typePlan ?? app.planId))!;
    const { row, version } = await store.transaction(async (repos) => {
      const locked = (await repos.apps.lock(app.id))!;
      const current = await repos.releases.current(app.id);
      if (!current || (!current.slugId && !current.image)) {
        throw new ConflictError(`${app.name} has no release to run yet: push code first.`, { resource: 'release' });
      }
      const created = await repos.oneOffs.create({
        appId: app.id, command: input.command, env: this.deps.vault.sealSnapshot(locked, env), attach: input.attach,
        tty: input.attach && !input.force_no_tty, planId: plan.id, releaseId: current.id,
        timeToLive: input.time_to_live ?? DEFAULT_TTL_SECONDS, userId,
      });
      await repos.activity.record({ orgId: app.orgId, appId: app.id, userId, action: 'dyno.run', details: { dyno: `run.${created.number}`, attach: input.attach } });
      return { row: created, version: current.version };
    });
    const attachUrl = input.attach ? this.deps.rendezvous!.open(row.id) : null;
    await this.deps.jobs.oneOff({ dynoId: row.id, appId: app.id });
    return { app: { id: app.id, name: app.name }, dyno: oneOffView(row, plan.name, version), attachUrl };
  }
}
