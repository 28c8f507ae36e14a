// Apps: create (name given or picked), list, show, update (rename, maintenance, health check path,
// plan, buildpacks), delete. Runtime effects are queued for the worker after the transaction commits.
import { randomInt } from 'node:crypto';
import { ConflictError, LimitError, NotFoundError, ValidationError } from '@slipway/core/errors';
import { assertCan } from '@slipway/core/domain/access';
import { defaultHostname, validateAppName } from '@slipway/core/naming';
import { isUniqueViolation } from '@slipway/core/db/pool';
import type { JobQueue } from '@slipway/core/ports/job-queue.port';
import type { Store } from '@slipway/core/repositories/index';
import type { AppSummary } from '@slipway/core/repositories/app.repository';
import type { AppRow, PlanRow } from '@slipway/core/repositories/types';
import type { Logger } from '@slipway/core/logger';
import type { Settings } from '@slipway/core/settings/settings.service';
import { maxAppsPerOrg } from '@slipway/core/settings/core.settings';
import type { AppLookup } from './app-lookup.js';
import type { RepoStore } from './git-repos.port.js';
import type { AppRemoval } from './app-removal.js';

const ADJECTIVES = ['quiet', 'brave', 'calm', 'swift', 'bright', 'bold', 'gentle', 'lucky', 'steady', 'sunny', 'frosty', 'mellow'];
const NOUNS = ['harbor', 'river', 'meadow', 'summit', 'canyon', 'forest', 'island', 'galaxy', 'comet', 'lagoon', 'prairie', 'glacier'];
const HEALTH_PATH_RE = /^\/[A-Za-z0-9._~!$&'()*+,;=:@/%-]{0,199}$/;
const BUILDPACK_RE = /^(nodejs|python|static|procfile|heroku\/(?:nodejs|node|python|static|procfile)|heroku-community\/static|(https?|git):\/\/([A-Za-z0-9.-]+(:\d{1,5})?)\/[A-Za-z0-9._~/-]*(#[A-Za-z0-9._/-]+)?)$/;
/** The one stack apps build and run on (the builder's STACK), and the one region. */
export const STACK_NAME = 'slipway-1';
export const REGION_NAME = 'local';

export interface CreateAppInput {
  name?: unknown;
  organization?: unknown;
  plan?: unknown;
  region?: unknown;
  stack?: unknown;
}

export interface UpdateAppInput {
  name?: unknown;
  maintenance?: unknown;
  health_check_path?: unknown;
  plan?: unknown;
  buildpacks?: unknown;
  build_stack?: unknown;
  /** true / false, or null for the platform default. */
  https_redirect?: unknown;
}

/** Heroku's region and stack parameters: Slipway has one of each. */
function checkRegionAndStack(input: { region?: unknown; stack?: unknown; build_stack?: unknown }): void {
  if (input.region !== undefined && input.region !== null && input.region !== REGION_NAME) {
    throw new ValidationError(`Unknown region "${String(input.region).slice(0, 40)}": this Slipway runs apps in one region, "${REGION_NAME}".`, { field: 'region' });
  }
  for (const field of ['stack', 'build_stack'] as const) {
    const v = input[field];
    if (v !== undefined && v !== null && v !== STACK_NAME) {
      throw new ValidationError(`Unknown stack "${String(v).slice(0, 40)}": apps build and run on "${STACK_NAME}".`, { field });
    }
  }
}

export class AppsService {
  constructor(
    private readonly deps: { store: Store; lookup: AppLookup; jobs: JobQueue; repos: RepoStore; removal: AppRemoval; domain: string; log: Logger; settings: Settings; allowedBuildpackHosts: readonly string[] },
  ) {}

  async create(userId: string, input: CreateAppInput): Promise<AppSummary> {
    const { store } = this.deps;
    const orgs = await store.repos.orgs.listForUser(userId);
    const org =
      input.organization === undefined
        ? orgs.find((o) => o.personal) ?? orgs[0]
        : orgs.find((o) => o.id === input.organization || o.name === input.organization);
    if (!org) throw new NotFoundError("Couldn't find that team.", { resource: 'team' });
    assertCan(org.role, 'app:create', 'create apps');
    checkRegionAndStack(input);
    const plan = await this.resolvePlan(input.plan);
    const name = input.name === undefined || input.name === null ? await this.pickName() : validateAppName(input.name);
    const maxApps = await this.deps.settings.get(maxAppsPerOrg);
    try {
      const app = await store.transaction(async (repos) => {
        await repos.orgs.lock(org.id); // concurrent creates count one after another
        if ((await repos.apps.countInOrg(org.id)) >= maxApps) {
          throw new LimitError(`An organization may have at most ${maxApps} apps (setting max_apps_per_org).`, { limit: maxApps });
        }
        const created = await repos.apps.create({ orgId: org.id, name, planId: plan.id, createdBy: userId });
        await repos.domains.create({ appId: created.id, hostname: defaultHostname(name, this.deps.domain), kind: 'default' });
        await repos.activity.record({ orgId: org.id, appId: created.id, userId, action: 'app.created', details: { name, plan: plan.name } });
        return created;
      });
      await this.deps.repos.create(app.name);
      return (await store.repos.apps.findForUser(userId, app.id))!;
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`Name ${name} is already taken.`, { field: 'name' });
      throw err;
    }
  }

  list(userId: string, opts: { orgId?: string; limit: number; after?: string }): Promise<AppSummary[]> {
    return this.deps.store.repos.apps.listForUser(userId, opts);
  }

  get(userId: string, idOrName: string): Promise<AppSummary> {
    return this.deps.lookup.resolve(userId, idOrName, 'app:read', 'see this app');
  }

  async update(userId: string, idOrName: string, input: UpdateAppInput): Promise<AppSummary> {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:deploy', 'change this app');
    checkRegionAndStack({ build_stack: input.build_stack });
    const patch: Partial<Pick<AppRow, 'name' | 'maintenance' | 'healthCheckPath' | 'planId' | 'buildpacks' | 'httpsRedirect'>> = {};
    if (input.name !== undefined && input.name !== app.name) patch.name = validateAppName(input.name);
    if (input.maintenance !== undefined) {
      if (typeof input.maintenance !== 'boolean') throw new ValidationError('maintenance must be true or false.', { field: 'maintenance' });
      patch.maintenance = input.maintenance;
    }
    if (input.https_redirect !== undefined) {
      if (input.https_redirect !== null && typeof input.https_redirect !== 'boolean') throw new ValidationError('https_redirect must be true, false or null (the platform default).', { field: 'https_redirect' });
      patch.httpsRedirect = input.https_redirect;
    }
    if (input.health_check_path !== undefined) {
      const p = input.health_check_path;
      if (p !== null && (typeof p !== 'string' || !HEALTH_PATH_RE.test(p))) {
        throw new ValidationError('health_check_path must be null or a path starting with "/" (at most 200 URL characters).', { field: 'health_check_path' });
      }
      patch.healthCheckPath = p as string | null;
    }
    let plan: PlanRow | null = null;
    if (input.plan !== undefined) {
      plan = await this.resolvePlan(input.plan);
      if (plan.id !== app.planId) patch.planId = plan.id;
    }
    if (input.buildpacks !== undefined) patch.buildpacks = validateBuildpacks(input.buildpacks, this.deps.allowedBuildpackHosts);

    const updated = await this.deps.store.transaction(async (repos) => {
      if (plan && patch.planId) {
        const over = (await repos.formation.list(app.id)).find((f) => f.quantity > plan!.maxReplicas);
        if (over) throw new LimitError(`Plan ${plan.name} allows at most ${plan.maxReplicas} ${over.type} processes; scale ${over.type} to ${plan.maxReplicas} or fewer first.`, { limit: plan.maxReplicas });
      }
      const row = Object.keys(patch).length ? await repos.apps.update(app.id, patch) : app;
      if (patch.name) await repos.domains.renameDefault(app.id, defaultHostname(patch.name, this.deps.domain));
      if (Object.keys(patch).length) await repos.activity.record({ orgId: app.orgId, appId: app.id, userId, action: 'app.updated', details: { fields: Object.keys(patch) } });
      return row;
    }).catch((err) => {
      if (isUniqueViolation(err)) throw new ConflictError(`Name ${String(patch.name)} is already taken.`, { field: 'name' });
      throw err;
    });
    if (patch.name) await this.deps.repos.rename(app.name, updated.name);
    if (patch.name || patch.planId) await this.deps.jobs.deploy({ kind: 'formation', appId: app.id });
    if (patch.maintenance !== undefined || patch.httpsRedirect !== undefined || patch.name) await this.deps.jobs.deploy({ kind: 'routing', appId: app.id });
    return (await this.deps.store.repos.apps.findForUser(userId, app.id))!;
  }

  async delete(userId: string, idOrName: string): Promise<AppSummary> {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:delete', 'delete this app');
    await this.deps.store.transaction((repos) => this.deps.removal.deleteRows(repos, app, userId, 'app deleted'));
    await this.deps.removal.cleanUp(app);
    return app;
  }

  /** At start: apps whose default hostname is not under the default domain (the setting changed)
   *  move to it, and their routing is updated. Returns how many moved. */
  async adoptDefaultDomain(): Promise<number> {
    const moved = await this.deps.store.repos.domains.moveDefaults(this.deps.domain);
    for (const appId of moved) await this.deps.jobs.deploy({ kind: 'routing', appId });
    if (moved.length) this.deps.log.info({ domain: this.deps.domain, apps: moved.length }, 'apps moved to the default domain');
    return moved.length;
  }

  private async resolvePlan(plan: unknown): Promise<PlanRow> {
    if (plan === undefined || plan === null) return this.deps.store.repos.plans.findDefault();
    if (typeof plan !== 'string' || plan.length > 64) throw new ValidationError('plan must be a plan name or id.', { field: 'plan' });
    const found = await this.deps.store.repos.plans.find(plan);
    if (!found || !found.active) throw new NotFoundError(`Couldn't find an active plan named ${plan}.`);
    return found;
  }

  private async pickName(): Promise<string> {
    for (let i = 0; i < 20; i++) {
      const name = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}-${NOUNS[randomInt(NOUNS.length)]}-${randomInt(1000, 10000)}`;
      if (!(await this.deps.store.repos.apps.nameTaken(name))) return name;
    }
    throw new ConflictError('Could not pick a free app name; give one.');
  }
}

/** Built-in names or https URLs; http and git URLs only for hosts the operator allowed
 *  (SLIPWAY_BUILDPACK_ALLOWED_HOSTS, e.g. an internal git server). */
export function validateBuildpacks(v: unknown, allowedHosts: readonly string[] = []): string[] {
  if (!Array.isArray(v) || v.length > 8) throw new ValidationError('buildpacks must be a list of at most 8 buildpack names or URLs.', { field: 'buildpacks' });
  const allowed = new Set(allowedHosts.map((h) => h.toLowerCase()));
  return v.map((b) => {
    const s = typeof b === 'object' && b !== null && 'url' in b ? (b as { url: unknown }).url : b;
    const m = typeof s === 'string' && s.length <= 300 ? BUILDPACK_RE.exec(s) : null;
    if (!m) throw new ValidationError('Each buildpack must be nodejs, python, static, procfile (or heroku/<name>), or an https URL.', { field: 'buildpacks' });
    const [, , scheme, host] = m;
    if (scheme && scheme !== 'https' && !allowed.has(host!.toLowerCase()) && !allowed.has(host!.toLowerCase().replace(/:\d+$/, ''))) {
      throw new ValidationError(`Buildpack URLs must use https (${scheme}:// only for hosts an operator allowed).`, { field: 'buildpacks', rule: 'https' });
    }
    return s as string;
  });
}
