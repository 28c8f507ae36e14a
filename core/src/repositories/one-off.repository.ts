// One-off dynos (`heroku run`): their records, numbered run.N per app. The process itself is the
// runtime's; this table is what `heroku ps` lists and what the worker marks as it starts and ends.
import type { Queryable } from '../db/pool.js';
import { camel, camelAll, isUuid } from './sql.js';

export type OneOffState = 'starting' | 'up' | 'complete' | 'crashed';

export interface OneOffDynoRow {
  id: string;
  appId: string;
  number: number;
  command: string;
  /** Extra environment of the request, sealed with the organization's key. */
  env: Buffer;
  attach: boolean;
  tty: boolean;
  planId: string;
  releaseId: string;
  timeToLive: number;
  state: OneOffState;
  exitCode: number | null;
  stopRequested: boolean;
  userId: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export const oneOffName = (d: Pick<OneOffDynoRow, 'number'>): string => `run.${d.number}`;
const RUNNING = `state IN ('starting', 'up')`;

export class OneOffRepository {
  constructor(private readonly db: Queryable) {}

  /** Call inside a transaction holding the app lock (numbers are allocated per app). */
  async create(d: Pick<OneOffDynoRow, 'appId' | 'command' | 'env' | 'attach' | 'tty' | 'planId' | 'releaseId' | 'timeToLive' | 'userId'>): Promise<OneOffDynoRow> {
    const { rows } = await this.db.query(
      `INSERT INTO one_off_dynos (app_id, number, command, env, attach, tty, plan_id, release_id, time_to_live, user_id)
       VALUES ($1, COALESCE((SELECT max(number) FROM one_off_dynos WHERE app_id = $1), 0) + 1, $2, $3, $4, $5, $6, $7, $8, $9)
       RETURNING *`,
      [d.appId, d.command, d.env, d.attach, d.tty, d.planId, d.releaseId, d.timeToLive, d.userId],
    );
    return camel<OneOffDynoRow>(rows[0]);
  }

  async findById(id: string): Promise<OneOffDynoRow | null> {
    const { rows } = await this.db.query(`SELECT * FROM one_off_dynos WHERE id = $1`, [id]);
    return rows[0] ? camel<OneOffDynoRow>(rows[0]) : null;
  }

  /** By id or name ("run.3") within one app. */
  async find(appId: string, idOrName: string): Promise<OneOffDynoRow | null> {
    const m = /^run\.(\d{1,9})$/.exec(idOrName);
    if (!m && !isUuid(idOrName)) return null;
    const { rows } = await this.db.query(
      `SELECT * FROM one_off_dynos WHERE app_id = $1 AND ${m ? 'number = $2::int' : 'id = $2::uuid'}`,
      [appId, m ? m[1] : idOrName],
    );
    return rows[0] ? camel<OneOffDynoRow>(rows[0]) : null;
  }

  async listRunning(appId: string): Promise<OneOffDynoRow[]> {
    const { rows } = await this.db.query(`SELECT * FROM one_off_dynos WHERE app_id = $1 AND ${RUNNING} ORDER BY number`, [appId]);
    return camelAll<OneOffDynoRow>(rows);
  }

  /** starting → up; false if it already ended (stopped before it started). */
  async markUp(id: string): Promise<boolean> {
    const r = await this.db.query(`UPDATE one_off_dynos SET state = 'up', started_at = now(), updated_at = now() WHERE id = $1 AND state = 'starting'`, [id]);
    return (r.rowCount ?? 0) > 0;
  }

  /** Ends it once; false if it had already ended. */
  async finish(id: string, state: Extract<OneOffState, 'complete' | 'crashed'>, exitCode: number | null): Promise<boolean> {
    const r = await this.db.query(
      `UPDATE one_off_dynos SET state = $2, exit_code = $3, finished_at = now(), updated_at = now() WHERE id = $1 AND ${RUNNING}`,
      [id, state, exitCode],
    );
    return (r.rowCount ?? 0) > 0;
  }

  async requestStop(id: string): Promise<void> {
    await this.db.query(`UPDATE one_off_dynos SET stop_requested = true, updated_at = now() WHERE id = $1`, [id]);
  }

  /** The runner's sign of life (every few seconds); null once the row is gone or ended. `stop`:
   *  someone asked for it to stop, or its app was suspended (no credit left). */
  async heartbeat(id: string): Promise<{ stop: boolean } | null> {
    const { rows } = await this.db.query(
      `UPDATE one_off_dynos d SET updated_at = now() FROM apps a
       WHERE d.id = $1 AND a.id = d.app_id AND d.${RUNNING}
       RETURNING d.stop_requested OR a.status = 'suspended' AS stop`,
      [id],
    );
    return rows[0] ? { stop: rows[0].stop as boolean } : null;
  }

  /** Running one-offs nobody looks after any more (their worker died): no heartbeat for
   *  `silentSeconds` (up), or never picked up within `unstartedSeconds` (starting). */
  async listOrphans(silentSeconds: number, unstartedSeconds: number): Promise<OneOffDynoRow[]> {
    const { rows } = await this.db.query(
      `SELECT * FROM one_off_dynos WHERE (state = 'up' AND updated_at < now() - make_interval(secs => $1))
          OR (state = 'starting' AND updated_at < now() - make_interval(secs => $2))`,
      [silentSeconds, unstartedSeconds],
    );
    return camelAll<OneOffDynoRow>(rows);
  }
}
