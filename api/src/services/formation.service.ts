// Formation: how many processes of each type run. Changes are validated against the plan's
// max replicas (422 naming the limit) and applied by the worker (a 'formation' deploy job).
import { ConflictError, LimitError, NotFoundError, ValidationError } from '@slipway/core/errors';
import type { JobQueue } from '@slipway/core/ports/job-queue.port';
import type { Store } from '@slipway/core/repositories/index';
import type { FormationRow } from '@slipway/core/repositories/types';
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
    const app = await this.deps.lookup.resolve(userId, idOrName, 'app:deploy', 'scale this app');
    if (app.status === 'suspended') throw new ConflictError('This app is suspended because its organization has no credit left; top up the wallet to scale it.');
    const plan = (await this.deps.store.repos.plans.find(app.planId))!;
    const seen = new Set<string>();
    for (const u of updates) {
      if (seen.has(u.type)) throw new ValidationError(`Process type ${u.type} appears twice in updates.`);
      seen.add(u.type);
      if (u.quantity > plan.maxReplicas) {
        throw new LimitError(`Plan ${plan.name} allows at most ${plan.maxReplicas} processes of each type; ${u.type}=${u.quantity} exceeds it.`, { limit: plan.maxReplicas, plan: plan.name });
      }
    }
    const changed = await this.deps.store.transaction(async (repos) => {
      await repos.apps.lock(app.id);
      let any = false;
      for (const u of updates) {
        const before = await repos.formation.find(app.id, u.type);
        if (!before) throw new NotFoundError(`Couldn't find that formation: this app has no ${u.type} process type.`);
        if (before.quantity === u.quantity) continue;
        await repos.formation.setQuantity(app.id, before.type, u.quantity);
        any = true;
      }
      if (any) await repos.activity.record({ orgId: app.orgId, appId: app.id, userId, action: 'formation.changed', details: { updates } });
      return any;
    });
    if (changed) await this.deps.jobs.deploy({ kind: 'formation', appId: app.id });
    return this.list(userId, app.id);
  }
}
