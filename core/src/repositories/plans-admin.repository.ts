// Plans as the platform administrator manages them: create, change, deactivate, delete, with the
// number of apps on each. (Reads for everyone are PlanRepository in misc.repository.ts.)
import type { Queryable } from '../db/pool.js';
import { camel, camelAll, setClause } from './sql.js';
import type { PlanRow } from './types.js';

export interface PlanWithUsage extends PlanRow {
  appsCount: number;
}

export type PlanFields = Pick<PlanRow, 'name' | 'cpu' | 'ramMb' | 'diskGb' | 'pricePerHour' | 'maxReplicas' | 'active' | 'placementConstraints'>;

const fix = <T extends PlanRow>(p: T): T => ({ ...p, cpu: Number(p.cpu) });

export class PlansAdminRepository {
  constructor(private readonly db: Queryable) {}

  async list(): Promise<PlanWithUsage[]> {
    const { rows } = await this.db.query(
      `SELECT p.*, (SELECT count(*)::int FROM apps a WHERE a.plan_id = p.id) AS apps_count
       FROM plans p ORDER BY p.price_per_hour, p.name`,
    );
    return camelAll<PlanWithUsage>(rows).map(fix);
  }

  /** By id or name, locked for the rest of the transaction. */
  async lock(idOrName: string): Promise<PlanRow | null> {
    const { rows } = await this.db.query(`SELECT * FROM plans WHERE id::text = $1 OR name = $1 FOR UPDATE`, [idOrName]);
    return rows[0] ? fix(camel<PlanRow>(rows[0])) : null;
  }

  async create(p: PlanFields): Promise<PlanRow> {
    const { rows } = await this.db.query(
      `INSERT INTO plans (name, cpu, ram_mb, disk_gb, price_per_hour, max_replicas, active, placement_constraints)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
      [p.name, p.cpu, p.ramMb, p.diskGb, p.pricePerHour, p.maxReplicas, p.active, p.placementConstraints ?? []],
    );
    return fix(camel<PlanRow>(rows[0]));
  }

  async update(id: string, patch: Partial<PlanFields & { isDefault: boolean }>): Promise<PlanRow> {
    const { sql, values } = setClause(
      {
        name: patch.name,
        cpu: patch.cpu,
        ram_mb: patch.ramMb,
        disk_gb: patch.diskGb,
        price_per_hour: patch.pricePerHour,
        max_replicas: patch.maxReplicas,
        active: patch.active,
        is_default: patch.isDefault,
        placement_constraints: patch.placementConstraints,
      },
      [id],
    );
    const { rows } = await this.db.query(`UPDATE plans SET ${sql} WHERE id = $1 RETURNING *`, values);
    return fix(camel<PlanRow>(rows[0]));
  }

  /** Clears the default flag of whichever plan has it (before another plan takes it). */
  async clearDefault(): Promise<void> {
    await this.db.query(`UPDATE plans SET is_default = false, updated_at = now() WHERE is_default`);
  }

  async countApps(planId: string): Promise<number> {
    const { rows } = await this.db.query(`SELECT count(*)::int AS n FROM apps WHERE plan_id = $1`, [planId]);
    return rows[0].n as number;
  }

  async delete(planId: string): Promise<void> {
    await this.db.query(`DELETE FROM plans WHERE id = $1`, [planId]);
  }
}
