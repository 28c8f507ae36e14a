// bench/api-latency — p50/p99 of GET /apps and GET /apps/{app} under concurrent load, with 2,000
// apps in 200 organizations in the database, against the real api process (./scripts/bench api-latency).
import autocannon from 'autocannon';
import { startStack } from '../e2e/support/stack.js';
import { ApiClient } from '../e2e/support/client.js';

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
} finally {
  await stack.stop();
}
