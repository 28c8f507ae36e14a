// Formation: how many processes of each type run, and on which size (plan). Heroku's CLI sends
// quantities as numbers or strings, absolute ("2") or relative ("+1", "-1"), and a size per type
// (`ps:scale web=2:standard`, `ps:type worker=pro`); a size is a plan name (any case). Changes are
// validated against the plan's max replicas (422 naming the limit) and applied by the worker (a
// 'formation' deploy job). A type without a size of its own runs on the app's plan.
// resize() changes the app's plan and the quantities together (the dashboard's Resources form):
// every quantity the app ends up with must fit the plan it ends up on.
import { ConflictError, LimitError, NotFoundError, ValidationError } from '@slipway/core/errors';
import type { JobQueue } from '@slipway/core/ports/job-queue.port';
import type { Store } from '@slipway/core/repositories/index';
import type { FormationRow, PlanRow } from '@slipway/core/repositories/types';
import type { AppLookup } from './app-lookup.js';

export interface FormationUpdate {
  type: string;
  quantity?: number | string;
  size?: string;
}

export interface FormationView {
  appId: string;
  appName: string;
  formation: FormationRow[];
  /** The size (plan name) each type runs on. */
  sizes: Record<string, string>;
}

const QUANTITY_RE = /^[+-]?\d{1,4}$/;

export class FormationService {
  constructor(private readonly deps: { store: Store; lookup: AppLookup; jobs: JobQueue }) {}

  async list(userId: string, idOrName: string): Promise<FormationView> {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:read', 'see the formation');
    return this.view(app.id, app.name, app.planId);
  }

  async update(userId: string, idOrName: string, updates: FormationUpdate[]): Promise<FormationView> {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:deploy', 'scale this app');
    if (app.status === 'suspended') throw new ConflictError('This app is suspended because its organization has no credit left; top up the wallet to scale it.');
    const plans = await this.deps.store.repos.plans.list({ activeOnly: false });
    const appPlan = plans.find((p) => p.id === app.planId)!;
    const seen = new Set<string>();
    for (const u of updates) {
      if (seen.has(u.type)) throw new ValidationError(`Process type ${u.type} appears twice in updates.`, { field: 'type' });
      seen.add(u.type);
    }
    const changed = await this.deps.store.transaction(async (repos) => {
      await repos.apps.lock(app.id);
      let any = false;
      for (const u of updates) {
        const before = await repos.formation.find(app.id, u.type);
        if (!before) {
          throw new NotFoundError(`Couldn't find that process type (${u.type.slice(0, 40)}): this app has ${(await repos.formation.list(app.id)).map((f) => f.type).join(', ') || 'no process types yet (push code with a Procfile)'}.`, { resource: 'formation' });
        }
        const plan = u.size !== undefined ? sizeToPlan(u.size, plans) : plans.find((p) => p.id === before.planId) ?? appPlan;
        const quantity = u.quantity === undefined ? before.quantity : newQuantity(u.type, before.quantity, u.quantity);
        if (quantity > plan.maxReplicas) {
          throw new LimitError(`Plan ${plan.name} allows at most ${plan.maxReplicas} processes of each type; ${u.type}=${quantity} exceeds it.`, { limit: plan.maxReplicas, plan: plan.name });
        }
        const planId = u.size === undefined ? before.planId : plan.id === app.planId ? null : plan.id;
        if (quantity === before.quantity && planId === before.planId) continue;
        if (quantity !== before.quantity) await repos.formation.setQuantity(app.id, before.type, quantity);
        if (planId !== before.planId) await repos.formation.setPlan(app.id, before.type, planId);
        any = true;
      }
      if (any) await repos.activity.record({ orgId: app.orgId, appId: app.id, userId, action: 'formation.changed', details: { updates } });
      return any;
    });
    if (changed) await this.deps.jobs.deploy({ kind: 'formation', appId: app.id });
    return this.view(app.id, app.name, app.planId, plans);
  }

  /** Moves the app to `plan` (a name or id; default: its own) and applies `updates`, in one
   *  transaction: on a new plan every quantity the app ends up with must fit its max replicas (on
   *  its own plan, every quantity being changed). Types keep a size of their own. */
  async resize(userId: string, idOrName: string, input: { plan?: string; updates: { type: string; quantity: number }[] }): Promise<{ app: { id: string; name: string }; plan: PlanRow; formation: FormationRow[] }> {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:deploy', 'scale this app');
    if (app.status === 'suspended') throw new ConflictError('This app is suspended, so it cannot be scaled; its organization must be resumed (or its wallet topped up) first.');
    const current = (await this.deps.store.repos.plans.find(app.planId))!;
    let plan = current;
    if (input.plan !== undefined && input.plan !== current.name && input.plan !== current.id) {
      const found = await this.deps.store.repos.plans.find(input.plan);
      if (!found || !found.active) throw new NotFoundError(`Couldn't find an active plan named ${input.plan}.`);
      plan = found;
    }
    const seen = new Set<string>();
    for (const u of input.updates) {
      if (seen.has(u.type)) throw new ValidationError(`Process type ${u.type} appears twice in updates.`);
      seen.add(u.type);
    }
    const changed = await this.deps.store.transaction(async (repos) => {
      await repos.apps.lock(app.id);
      const before = await repos.formation.list(app.id);
      for (const u of input.updates) {
        if (!before.some((f) => f.type === u.type)) throw new NotFoundError(`Couldn't find that formation: this app has no ${u.type} process type.`);
      }
      // on another plan every process type must fit it; on the same plan, the ones being changed
      const final = before.map((f) => ({ type: f.type, quantity: input.updates.find((u) => u.type === f.type)?.quantity ?? f.quantity }));
      const judged = plan.id === current.id ? final.filter((f) => input.updates.some((u) => u.type === f.type)) : final;
      const over = judged.find((f) => f.quantity > plan.maxReplicas);
      if (over) {
        const kept = !input.updates.some((u) => u.type === over.type);
        throw new LimitError(
          `Plan ${plan.name} allows at most ${plan.maxReplicas} processes of each type; ${over.type}=${over.quantity}${kept ? ' (its current quantity)' : ''} exceeds it.`,
          { limit: plan.maxReplicas, plan: plan.name },
        );
      }
      const scaled = input.updates.filter((u) => before.find((f) => f.type === u.type)!.quantity !== u.quantity);
      for (const u of scaled) await repos.formation.setQuantity(app.id, u.type, u.quantity);
      if (plan.id !== current.id) {
        await repos.apps.update(app.id, { planId: plan.id });
        await repos.activity.record({ orgId: app.orgId, appId: app.id, userId, action: 'app.updated', details: { fields: ['planId'], plan: plan.name } });
      }
      if (scaled.length) await repos.activity.record({ orgId: app.orgId, appId: app.id, userId, action: 'formation.changed', details: { updates: scaled } });
      return scaled.length > 0 || plan.id !== current.id;
    });
    if (changed) await this.deps.jobs.deploy({ kind: 'formation', appId: app.id });
    return { app: { id: app.id, name: app.name }, plan, formation: await this.deps.store.repos.formation.list(app.id) };
  }

  private async view(appId: string, appName: string, appPlanId: string, known?: PlanRow[]): Promise<FormationView> {
    const plans = known ?? (await this.deps.store.repos.plans.list({ activeOnly: false }));
    const name = (id: string | null) => plans.find((p) => p.id === (id ?? appPlanId))?.name ?? 'unknown';
    const formation = await this.deps.store.repos.formation.list(appId);
    return { appId, appName, formation, sizes: Object.fromEntries(formation.map((f) => [f.type, name(f.planId)])) };
  }
}

function newQuantity(type: string, current: number, q: number | string): number {
  if (typeof q === 'number') {
    if (!Number.isInteger(q) || q < 0) throw new ValidationError(`Quantity for ${type} must be a whole number, 0 or more.`, { field: 'quantity' });
    return q;
  }
  if (!QUANTITY_RE.test(q)) throw new ValidationError(`Quantity for ${type} must be a number ("2") or a change ("+1", "-1"), not "${q.slice(0, 20)}".`, { field: 'quantity' });
  const n = Number(q);
  const result = /^[+-]/.test(q) ? current + n : n;
  if (result < 0) throw new ValidationError(`Cannot scale ${type} to ${result}: it runs ${current}.`, { field: 'quantity' });
  return result;
}

/** A Heroku size names a plan, in any case ("standard", "Standard"). */
export function sizeToPlan(size: string, plans: PlanRow[]): PlanRow {
  const plan = plans.find((p) => p.active && (p.name === size.toLowerCase() || p.id === size));
  if (!plan) {
    const names = plans.filter((p) => p.active).map((p) => p.name).join(', ');
    throw new ValidationError(`Size "${size.slice(0, 40)}" is not a plan of this Slipway; sizes are: ${names}.`, { field: 'size' });
  }
  return plan;
}
