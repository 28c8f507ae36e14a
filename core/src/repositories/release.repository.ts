// Releases, slugs and builds: what a deploy produces. Release versions are allocated under the app
// row lock (AppRepository.lock) so two releases of one app never get the same number.
import type { Queryable } from '../db/pool.js';
import { camel, camelAll } from './sql.js';
import type { BuildRow, BuildStatus, ReleaseRow, ReleaseStatus, SlugRow } from './types.js';

// release_phase: the release's slug has a `release:` process type (its output is kept)
const RELEASE_SELECT = `SELECT r.*, u.email AS user_email, COALESCE(s.process_types ? 'release', false) AS release_phase
  FROM releases r LEFT JOIN users u ON u.id = r.user_id LEFT JOIN slugs s ON s.id = r.slug_id`;

export class ReleaseRepository {
  constructor(private readonly db: Queryable) {}

  /** Call inside a transaction holding the app lock. */
  async create(r: { appId: string; slugId: string | null; image: string | null; config: Buffer; description: string; userId: string | null; status: ReleaseStatus }): Promise<ReleaseRow> {
    const { rows } = await this.db.query(
      `INSERT INTO releases (app_id, version, slug_id, image, config, description, user_id, status)
       VALUES ($1, COALESCE((SELECT max(version) FROM releases WHERE app_id = $1), 0) + 1, $2, $3, $4, $5, $6, $7)
       RETURNING *`,
      [r.appId, r.slugId, r.image, r.config, r.description, r.userId, r.status],
    );
    return camel<ReleaseRow>({ ...rows[0], user_email: null, release_phase: false });
  }

  async find(appId: string, idOrVersion: string): Promise<ReleaseRow | null> {
    const byVersion = /^v?\d{1,9}$/.test(idOrVersion);
    const { rows } = await this.db.query(
      `${RELEASE_SELECT} WHERE r.app_id = $1 AND ${byVersion ? 'r.version = $2::int' : 'r.id::text = $2'}`,
      [appId, byVersion ? idOrVersion.replace(/^v/, '') : idOrVersion],
    );
    return rows[0] ? camel<ReleaseRow>(rows[0]) : null;
  }

  async findById(id: string): Promise<ReleaseRow | null> {
    const { rows } = await this.db.query(`${RELEASE_SELECT} WHERE r.id = $1`, [id]);
    return rows[0] ? camel<ReleaseRow>(rows[0]) : null;
  }

  async current(appId: string): Promise<ReleaseRow | null> {
    const { rows } = await this.db.query(`${RELEASE_SELECT} WHERE r.app_id = $1 AND r.current`, [appId]);
    return rows[0] ? camel<ReleaseRow>(rows[0]) : null;
  }

  /** The newest release with something runnable (slug or image), current or not. */
  async latestRunnable(appId: string): Promise<ReleaseRow | null> {
    const { rows } = await this.db.query(
      `${RELEASE_SELECT} WHERE r.app_id = $1 AND (r.slug_id IS NOT NULL OR r.image IS NOT NULL) ORDER BY r.version DESC LIMIT 1`,
      [appId],
    );
    return rows[0] ? camel<ReleaseRow>(rows[0]) : null;
  }

  async list(appId: string, range: { from?: number; to?: number; order: 'asc' | 'desc'; max: number }): Promise<ReleaseRow[]> {
    const { rows } = await this.db.query(
      `${RELEASE_SELECT} WHERE r.app_id = $1 AND ($2::int IS NULL OR r.version >= $2) AND ($3::int IS NULL OR r.version <= $3)
       ORDER BY r.version ${range.order === 'desc' ? 'DESC' : 'ASC'} LIMIT $4`,
      [appId, range.from ?? null, range.to ?? null, range.max],
    );
    return camelAll<ReleaseRow>(rows);
  }

  async setStatus(id: string, status: ReleaseStatus): Promise<void> {
    await this.db.query(`UPDATE releases SET status = $2, updated_at = now() WHERE id = $1`, [id, status]);
  }

  /** Releases left pending longer than `minutes` become failed (the reaper). Returns how many. */
  async failStale(minutes: number): Promise<number> {
    const r = await this.db.query(
      `UPDATE releases SET status = 'failed', updated_at = now() WHERE status = 'pending' AND created_at < now() - make_interval(mins => $1)`,
      [minutes],
    );
    return r.rowCount ?? 0;
  }

  /** Make this release the current one (and the previous one not). Call in a transaction. */
  async makeCurrent(appId: string, id: string): Promise<void> {
    await this.db.query(`UPDATE releases SET current = false, updated_at = now() WHERE app_id = $1 AND current AND id <> $2`, [appId, id]);
    await this.db.query(`UPDATE releases SET current = true, status = 'succeeded', updated_at = now() WHERE id = $1`, [id]);
  }
}

export class SlugRepository {
  constructor(private readonly db: Queryable) {}

  async create(s: Omit<SlugRow, 'id' | 'createdAt'> & { id?: string }): Promise<SlugRow> {
    const { rows } = await this.db.query(
      `INSERT INTO slugs (id, app_id, build_id, object_key, size, sha256, process_types, stack, buildpack, commit)
       VALUES (COALESCE($1, gen_random_uuid()), $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
      [s.id ?? null, s.appId, s.buildId, s.objectKey, s.size, s.sha256, JSON.stringify(s.processTypes), s.stack, s.buildpack, s.commit],
    );
    return camel<SlugRow>(rows[0]);
  }

  async findById(id: string): Promise<SlugRow | null> {
    const { rows } = await this.db.query(`SELECT * FROM slugs WHERE id = $1`, [id]);
    return rows[0] ? camel<SlugRow>(rows[0]) : null;
  }
}

export class BuildRepository {
  constructor(private readonly db: Queryable) {}

  async create(b: { id: string; appId: string; commit: string; ref: string; userId: string; sourceKey: string; deadlineAt: Date }): Promise<BuildRow> {
    const { rows } = await this.db.query(
      `INSERT INTO builds (id, app_id, commit, ref, user_id, source_key, deadline_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
      [b.id, b.appId, b.commit, b.ref, b.userId, b.sourceKey, b.deadlineAt],
    );
    return camel<BuildRow>(rows[0]);
  }

  async findById(id: string): Promise<BuildRow | null> {
    const { rows } = await this.db.query(`SELECT * FROM builds WHERE id = $1`, [id]);
    return rows[0] ? camel<BuildRow>(rows[0]) : null;
  }

  async find(appId: string, id: string): Promise<BuildRow | null> {
    const { rows } = await this.db.query(`SELECT * FROM builds WHERE app_id = $1 AND id::text = $2`, [appId, id]);
    return rows[0] ? camel<BuildRow>(rows[0]) : null;
  }

  async list(appId: string, limit: number): Promise<BuildRow[]> {
    const { rows } = await this.db.query(`SELECT * FROM builds WHERE app_id = $1 ORDER BY created_at DESC LIMIT $2`, [appId, limit]);
    return camelAll<BuildRow>(rows);
  }

  /** pending → building, as a new attempt (a retried job whose worker died starts the next one);
   *  the attempt's number, or null if the build already ended (succeeded, failed, superseded, reaped). */
  async start(id: string): Promise<number | null> {
    const { rows } = await this.db.query(
      `UPDATE builds SET status = 'building', attempt = attempt + 1, releasing_at = NULL, started_at = COALESCE(started_at, now()), updated_at = now()
       WHERE id = $1 AND status IN ('pending', 'building') RETURNING attempt`,
      [id],
    );
    return rows[0] ? (rows[0].attempt as number) : null;
  }

  /** Whether `attempt` is still the build's running attempt (nothing ended or superseded it). */
  async isCurrent(id: string, attempt: number, opts: { forUpdate?: boolean } = {}): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `SELECT 1 FROM builds WHERE id = $1 AND status = 'building' AND attempt = $2${opts.forUpdate ? ' FOR UPDATE' : ''}`,
      [id, attempt],
    );
    return rowCount === 1;
  }

  /** The attempt takes the release: from now on only it ends the build. False if it no longer may. */
  async claimRelease(id: string, attempt: number, releaseMinutes: number): Promise<boolean> {
    const r = await this.db.query(
      `UPDATE builds SET releasing_at = now(), deadline_at = GREATEST(deadline_at, now() + make_interval(mins => $3)), updated_at = now()
       WHERE id = $1 AND status = 'building' AND attempt = $2`,
      [id, attempt, releaseMinutes],
    );
    return (r.rowCount ?? 0) > 0;
  }

  /**
   * Ends a build once: only a build still pending/building changes. An attempt ends its own build
   * (`attempt`); anyone else (a newer push, the reaper) may end it only before an attempt claimed
   * the release, unless `evenIfReleasing` (the reaper, once no attempt runs any more).
   */
  async finish(
    id: string,
    f: { status: Extract<BuildStatus, 'succeeded' | 'failed'>; error?: string | null; releaseId?: string | null; buildpack?: string | null; stages?: Record<string, number>; logKey?: string },
    guard: { attempt?: number; evenIfReleasing?: boolean } = {},
  ): Promise<boolean> {
    const r = await this.db.query(
      `UPDATE builds SET status = $2, error = $3, release_id = COALESCE($4, release_id), buildpack = COALESCE($5, buildpack),
              stages = COALESCE($6, stages), log_key = COALESCE($7, log_key), finished_at = now(), updated_at = now()
       WHERE id = $1 AND status IN ('pending', 'building')
         AND ($8::int IS NULL OR attempt = $8) AND ($8::int IS NOT NULL OR $9::boolean OR releasing_at IS NULL)`,
      [id, f.status, f.error ?? null, f.releaseId ?? null, f.buildpack ?? null, f.stages ? JSON.stringify(f.stages) : null, f.logKey ?? null, guard.attempt ?? null, guard.evenIfReleasing ?? false],
    );
    return (r.rowCount ?? 0) > 0;
  }

  /** Older unfinished builds of the app, for "newest push wins". */
  async unfinishedBefore(appId: string, createdAt: Date, exceptId: string): Promise<BuildRow[]> {
    const { rows } = await this.db.query(
      `SELECT * FROM builds WHERE app_id = $1 AND status IN ('pending', 'building') AND created_at <= $2 AND id <> $3`,
      [appId, createdAt, exceptId],
    );
    return camelAll<BuildRow>(rows);
  }

  /** Builds past their deadline that never ended (the reaper fails them). */
  async overdue(): Promise<BuildRow[]> {
    const { rows } = await this.db.query(`SELECT * FROM builds WHERE status IN ('pending', 'building') AND deadline_at < now()`);
    return camelAll<BuildRow>(rows);
  }
}
