// bench/api-latency — p50/p99 of GET /apps and GET /apps/{app} under concurrent load, with 2,000
// apps in 200 organizations in the database, against the real api process (./scripts/bench api-latency);
// then the admin console's GET /api/v1/admin/overview with those apps running, 30 days of hourly
// charges for each of them in the ledger (1.44 million entries), builds and activity.
import autocannon from 'autocannon';
import { startStack } from '../e2e/support/stack.js';
import { ApiClient } from '../e2e/support/client.js';
import { OVERVIEW_SQL } from '@slipway/core/repositories/overview.repository';

const ORGS = 200;
const APPS_PER_ORG = 10;
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);

const stack = await startStack({ SLIPWAY_LOG_LEVEL: 'warn' });
try {
  const user = await ApiClient.signUp(stack.apiUrl, 'bench@example.com');
  const userId = (await user.get('/account')).body.id as string;
  const pool = stack.db.pool;
  // 200 organizations with 10 apps each (set-based), the bench user a member of all of them
  await pool.query(
    `WITH o AS (INSERT INTO organizations (name) SELECT 'bench-org-' || g FROM generate_series(1, $1) g RETURNING id),
          m AS (INSERT INTO memberships (org_id, user_id, role) SELECT id, $3, 'member' FROM o RETURNING org_id),
          a AS (INSERT INTO apps (org_id, name, plan_id, created_by)
                SELECT o.id, 'bench-' || substr(md5(o.id::text || g), 1, 12), (SELECT id FROM plans WHERE is_default), $3
                FROM o, generate_series(1, $2) g RETURNING id, name)
     INSERT INTO domains (app_id, hostname, kind) SELECT id, name || '.localhost', 'default' FROM a`,
    [ORGS, APPS_PER_ORG, userId],
  );
  const { rows } = await pool.query<{ name: string }>(`SELECT name FROM apps`);
  const names = rows.map((r) => r.name);
  console.log(`seeded ${names.length} apps in ${ORGS} organizations`);

  const run = (title: string, path: () => string, headers: Record<string, string> = {}) =>
    new Promise<autocannon.Result>((resolve, reject) => {
      const inst = autocannon(
        {
          url: stack.apiUrl,
          connections,
          duration: seconds,
          headers: { authorization: `Bearer ${user.token}`, accept: 'application/vnd.heroku+json; version=3' },
          requests: [{ method: 'GET', headers, setupRequest: (req) => ({ ...req, path: path() }) }],
        },
        (err, res) => (err ? reject(err) : resolve(res)),
      );
      void inst;
    }).then((r) => {
      console.log(`${title.padEnd(44)} p50 ${String(r.latency.p50).padStart(5)} ms   p99 ${String(r.latency.p99).padStart(5)} ms   ${Math.round(r.requests.average)} req/s   non-2xx ${r.non2xx}`);
      return r;
    });

  console.log(`\nGET under load: ${connections} connections, ${seconds} s each`);
  await run('GET /apps (first 200 of 2,000, Range max=200)', () => '/apps', { range: 'name ..; max=200' });
  await run('GET /apps (one organization: 10 apps)', () => '/apps?organization=bench-org-7');
  await run('GET /apps/{app} (random of 2,000)', () => `/apps/${names[Math.floor(Math.random() * names.length)]}`);

  // the admin overview: every app running one web dyno, LEDGER_DAYS of hourly charges per app,
  // three builds per app (some failed today), and activity
  const days = Number(process.env.LEDGER_DAYS ?? 30);
  const t0 = Date.now();
  await pool.query(`UPDATE apps SET status = 'running'`);
  await pool.query(`INSERT INTO formation (app_id, type, quantity, command) SELECT id, 'web', 1, 'node server.js' FROM apps`);
  await pool.query(
    `INSERT INTO ledger_entries (org_id, kind, amount, app_id, app_name, period_start, usage_us, description)
     SELECT a.org_id, 'charge', -7000, a.id, a.name, h, 3600000000, 'bench'
     FROM apps a, generate_series(date_trunc('hour', now(), 'UTC') - make_interval(hours => $1 * 24), date_trunc('hour', now(), 'UTC') - interval '1 hour', interval '1 hour') h`,
    [days],
  );
  await pool.query(
    `INSERT INTO builds (app_id, status, created_at) SELECT a.id, CASE WHEN g = 3 AND random() < 0.1 THEN 'failed' ELSE 'succeeded' END, now() - make_interval(hours => g * 20)
     FROM apps a, generate_series(0, 2) g`,
  );
  await pool.query(`INSERT INTO activity (org_id, app_id, action, details) SELECT org_id, id, 'app.created', jsonb_build_object('name', name) FROM apps`);
  await pool.query('ANALYZE');
  const { rows: sizes } = await pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM ledger_entries`);
  console.log(`\nseeded for the overview in ${Math.round((Date.now() - t0) / 1000)} s: ${sizes[0]!.n} ledger entries, ${names.length * 3} builds`);

  const times: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t = performance.now();
    const r = await stack.admin.get('/api/v1/admin/overview');
    times.push(performance.now() - t);
    if (r.status !== 200) throw new Error(`overview answered ${r.status}: ${r.text}`);
    if (i === 0) console.log(`overview: ${r.body.apps.total} apps, ${r.body.dynos.running} dynos, ${r.body.money.length} money rows, ${r.body.builds.today} builds today`);
  }
  times.sort((a, b) => a - b);
  const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(1);
  console.log(`${'GET /api/v1/admin/overview (one at a time, 200×)'.padEnd(44)} p50 ${q(0.5).padStart(5)} ms   p99 ${q(0.99).padStart(5)} ms   max ${times.at(-1)!.toFixed(1)} ms`);
  const plans: number[] = [];
  for (let i = 0; i < 20; i++) {
    const { rows: plan } = await pool.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${OVERVIEW_SQL}`);
    plans.push((plan[0]['QUERY PLAN'] as { 'Execution Time': number }[])[0]!['Execution Time']);
  }
  plans.sort((a, b) => a - b);
  console.log(`${'overview query in PostgreSQL (EXPLAIN ANALYZE, 20×)'.padEnd(44)} p50 ${plans[10]!.toFixed(1).padStart(5)} ms   min ${plans[0]!.toFixed(1)} ms`);
  await run('GET /api/v1/admin/overview (under load)', () => '/api/v1/admin/overview', { authorization: `Bearer ${stack.admin.token}` });
} finally {
  await stack.stop();
}
