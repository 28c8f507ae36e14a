// Formation: how many processes of each type run. Changes are validated against the plan's
// max replicas (422 naming the limit) and applied by the worker (a 'formation' deploy job).
// resize() changes the plan and the quantities together (the dashboard's Resources form): the rule
// is simply that every quantity the app ends up with fits the plan it ends up on — no order of
// requests for the client to get right.
import { ConflictError, LimitError, NotFoundError, ValidationError } from '@slipway/core/errors';
import type { JobQueue } from '@slipway/core/ports/job-queue.port';
import type { Store } from '@slipway/core/repositories/index';
import type { FormationRow, PlanRow } from '@slipway/core/repositories/types';
import type { AppLookup } from './app-lookup.js';

export interface FormationUpdate {
  type: string;
  quantity: number;
}

export class FormationService {
  constructor(private readonly deps: { store: Store; lookup: AppLookup; jobs: JobQueue }) {}

  async list(userId: string, idOrName: string): Promise<{ appId: string; appName: string; formation: FormationRow[] }> {
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:read', 'see the formation');
    return { appId: app.id, appName: app.name, formation: await this.deps.store.repos.formation.list(app.id) };
  }

  async update(userId: string, idOrName: string, updates: FormationUpdate[]): Promise<{ appId: string; appName: string; formation: FormationRow[] }> {
    const { app, formation } = await this.resize(userId, idOrName, { updates });
    return { appId: app.id, appName: app.name, formation };
  }

  /** Moves the app to `plan` (a name or id; default: its own) and applies `updates`, in one
   *  transaction: on a new plan every quantity the app ends up with must fit its max replicas (on
   *  its own plan, every quantity being changed). */
  async resize(userId: string, idOrName: string, input: { plan?: string; updates: FormationUpdate[] }): Promise<{ app: { id: string; name: string }; plan: PlanRow; formation: FormationRow[] }> {
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
}
