// Plans, as the platform administrator manages them. Prices are micro-units per hour; a price
// change reaches an app only through its next formation event (the worker snapshots the plan's
// price whenever it applies a formation), so running apps keep the price they started with.
// Rules: one default plan, always active; a plan apps use cannot be deleted (deactivate it: new
// apps cannot choose it, existing ones keep it).
import { ConflictError, NotFoundError } from '@slipway/core/errors';
import { isUniqueViolation } from '@slipway/core/db/pool';
import type { Logger } from '@slipway/core/logger';
import type { Store } from '@slipway/core/repositories/index';
import { PlansAdminRepository, type PlanFields, type PlanWithUsage } from '@slipway/core/repositories/plans-admin.repository';
import type { PlanRow } from '@slipway/core/repositories/types';

export type PlanInput = PlanFields & { isDefault: boolean };

const isForeignKeyViolation = (err: unknown) => (err as { code?: string })?.code === '23503';

export class PlansAdminService {
  constructor(private readonly deps: { store: Store; log: Logger }) {}

  list(): Promise<PlanWithUsage[]> {
    return new PlansAdminRepository(this.deps.store.pool).list();
  }

  async get(idOrName: string): Promise<PlanWithUsage> {
    const plan = (await this.list()).find((p) => p.id === idOrName || p.name === idOrName);
    if (!plan) throw new NotFoundError("Couldn't find that plan.");
    return plan;
  }

  async create(userId: string, input: PlanInput): Promise<PlanWithUsage> {
    if (input.isDefault && !input.active) throw new ConflictError('The default plan must be active.');
    const plan = await this.write(input.name, () =>
      this.deps.store.transaction(async (repos, client) => {
        const plans = new PlansAdminRepository(client);
        let created = await plans.create(input);
        if (input.isDefault) {
          await plans.clearDefault();
          created = await plans.update(created.id, { isDefault: true });
        }
        await repos.activity.record({ orgId: null, userId, action: 'plan.created', details: { plan: created.name, price_per_hour: created.pricePerHour } });
        return created;
      }),
    );
    this.deps.log.info({ plan: plan.name, userId }, 'plan created');
    return this.get(plan.id);
  }

  async update(userId: string, idOrName: string, patch: Partial<PlanInput>): Promise<PlanWithUsage> {
    const plan = await this.write(patch.name, () =>
      this.deps.store.transaction(async (repos, client) => {
        const plans = new PlansAdminRepository(client);
        const current = await plans.lock(idOrName);
        if (!current) throw new NotFoundError("Couldn't find that plan.");
        const active = patch.active ?? current.active;
        const isDefault = patch.isDefault ?? current.isDefault;
        if (current.isDefault && patch.isDefault === false) {
          throw new ConflictError(`Plan ${current.name} is the default; make another plan the default instead (PATCH it with "default": true).`);
        }
        if (isDefault && !active) throw new ConflictError(`Plan ${current.name} is the default plan and must stay active; make another plan the default first.`);
        if (patch.isDefault && !current.isDefault) await plans.clearDefault();
        const updated = await plans.update(current.id, patch);
        await repos.activity.record({ orgId: null, userId, action: 'plan.updated', details: { plan: updated.name, fields: Object.keys(patch), before: snapshot(current), after: snapshot(updated) } });
        return updated;
      }),
    );
    this.deps.log.info({ plan: plan.name, userId, fields: Object.keys(patch) }, 'plan updated');
    return this.get(plan.id);
  }

  async delete(userId: string, idOrName: string): Promise<void> {
    try {
      await this.deps.store.transaction(async (repos, client) => {
        const plans = new PlansAdminRepository(client);
        const plan = await plans.lock(idOrName);
        if (!plan) throw new NotFoundError("Couldn't find that plan.");
        if (plan.isDefault) throw new ConflictError(`Plan ${plan.name} is the default plan; make another plan the default before deleting it.`);
        const apps = await plans.countApps(plan.id);
        if (apps > 0) throw inUse(plan.name, apps);
        await plans.delete(plan.id);
        await repos.activity.record({ orgId: null, userId, action: 'plan.deleted', details: { plan: plan.name } });
      });
    } catch (err) {
      // an app created on the plan between the count and the delete
      if (isForeignKeyViolation(err)) throw new ConflictError('This plan is in use by apps; deactivate it instead.');
      throw err;
    }
  }

  private async write<T>(name: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`A plan named ${name} already exists.`, { field: 'name' });
      throw err;
    }
  }
}

function inUse(name: string, apps: number): ConflictError {
  return new ConflictError(
    `Plan ${name} is used by ${apps} app${apps === 1 ? '' : 's'}; move ${apps === 1 ? 'it' : 'them'} to another plan, or deactivate this plan instead.`,
    { apps },
  );
}

const snapshot = (p: PlanRow) => ({ name: p.name, price_per_hour: p.pricePerHour, max_replicas: p.maxReplicas, active: p.active, default: p.isDefault });
