// The admin console's overview in one round trip: counts of users, organizations, apps by status,
// dynos, builds today, money per day over 30 days (from the ledger_daily rollup, so its cost does
// not grow with the ledger), wallets running low and the latest activity. Every part is an
// indexed lookup or a scan of a small table (apps, formation, wallets), so it stays fast with
// thousands of apps.
import type { Queryable } from '../db/pool.js';

export interface OverviewRow {
  users: { total: number; admins: number; disabled: number; new30d: number };
  organizations: { total: number; new30d: number; suspended: number };
  apps: Record<string, number>;
  dynos: number;
  builds: { today: number; failedToday: number; active: number };
  money: { day: string; kind: string; amount: number; entries: number }[];
  lowWallets: { count: number; top: { orgId: string; name: string; balance: number; lowSince: string | null }[] };
  activity: { id: number; action: string; details: Record<string, unknown>; userId: string | null; userEmail: string | null; orgId: string | null; orgName: string | null; ip: string | null; createdAt: string }[];
}

export const OVERVIEW_SQL = `
SELECT
  (SELECT json_build_object('total', count(*), 'admins', count(*) FILTER (WHERE is_admin),
          'disabled', count(*) FILTER (WHERE disabled_at IS NOT NULL), 'new30d', count(*) FILTER (WHERE created_at > now() - interval '30 days'))
   FROM users) AS users,
  (SELECT json_build_object('total', count(*), 'new30d', count(*) FILTER (WHERE created_at > now() - interval '30 days'),
          'suspended', (SELECT count(DISTINCT org_id) FROM app_suspensions))
   FROM organizations WHERE deleted_at IS NULL) AS organizations,
  (SELECT coalesce(json_object_agg(status, n), '{}') FROM (SELECT status, count(*) AS n FROM apps GROUP BY status) s) AS apps,
  (SELECT coalesce(sum(f.quantity), 0) FROM formation f JOIN apps a ON a.id = f.app_id WHERE a.status IN ('running', 'deploying', 'crashed')) AS dynos,
  (SELECT json_build_object('today', count(*), 'failedToday', count(*) FILTER (WHERE status = 'failed'),
          'active', (SELECT count(*) FROM builds WHERE status IN ('pending', 'building')))
   FROM builds WHERE created_at >= date_trunc('day', now(), 'UTC')) AS builds,
  (SELECT coalesce(json_agg(json_build_object('day', to_char(day, 'YYYY-MM-DD'), 'kind', kind, 'amount', amount, 'entries', entries) ORDER BY day, kind), '[]')
   FROM ledger_daily WHERE day > (now() AT TIME ZONE 'UTC')::date - 30) AS money,
  (SELECT json_build_object('count', (SELECT count(*) FROM wallets w JOIN organizations o ON o.id = w.org_id
                                       WHERE o.deleted_at IS NULL AND (w.low_balance_since IS NOT NULL OR w.balance <= 0)),
          'top', coalesce(json_agg(json_build_object('orgId', t.org_id, 'name', t.name, 'balance', t.balance, 'lowSince', t.low_balance_since) ORDER BY t.balance), '[]'))
   FROM (SELECT w.org_id, o.name, w.balance, w.low_balance_since FROM wallets w JOIN organizations o ON o.id = w.org_id
         WHERE o.deleted_at IS NULL AND (w.low_balance_since IS NOT NULL OR w.balance <= 0) ORDER BY w.balance LIMIT 8) t) AS low_wallets,
  (SELECT coalesce(json_agg(json_build_object('id', x.id, 'action', x.action, 'details', x.details, 'userId', x.user_id, 'userEmail', x.email,
          'orgId', x.org_id, 'orgName', x.org_name, 'ip', x.ip, 'createdAt', x.created_at) ORDER BY x.created_at DESC, x.id DESC), '[]')
   FROM (SELECT a.*, u.email, coalesce(o.deleted_name, o.name) AS org_name FROM activity a
         LEFT JOIN users u ON u.id = a.user_id LEFT JOIN organizations o ON o.id = a.org_id
         ORDER BY a.created_at DESC, a.id DESC LIMIT 10) x) AS activity`;

export class OverviewRepository {
  constructor(private readonly db: Queryable) {}

  async overview(): Promise<OverviewRow> {
    const { rows } = await this.db.query({ name: 'admin-overview', text: OVERVIEW_SQL });
    const r = rows[0];
    return {
      users: r.users,
      organizations: r.organizations,
      apps: r.apps,
      dynos: Number(r.dynos),
      builds: r.builds,
      money: r.money,
      lowWallets: r.low_wallets,
      activity: r.activity,
    };
  }
}
