// bench/dashboard — how fast the apps list appears with 200 apps, measured in a real browser
// (Debian's chromium via playwright-core) against the real api serving the built dashboard.
// Prints, over BENCH_RUNS fresh browser contexts (cold cache each; default 7), the median / min /
// max of:
//   first paint        first-contentful-paint (the shell or a loading state)
//   apps list rendered the table holds all 200 rows
//   interactive        list rendered and the main thread free: the end of the last long task
//                      (>50 ms) before a 500 ms quiet window
//   search response    typing a query in the search box until the table shows the match
//   list on a revisit  reload in the same context (cached assets, organization remembered)
// Run with: npm run dashboard -w bench (bench/dashboard.sh starts PostgreSQL and Redis).
import { startStack } from '../e2e/support/stack.js';
import { ApiClient } from '../e2e/support/client.js';
import { launchBrowser } from '../e2e/browser/support/browser.js';

const APPS = Number(process.env.BENCH_APPS ?? 200);
const RUNS = Number(process.env.BENCH_RUNS ?? 7);

// Runs in the page before any script: records when the table first holds `want` rows, and long
// tasks. A string, not a function: tsx (esbuild keepNames) would wrap inner functions in a helper
// the page does not have.
const PROBE = (want: number) => `
  window.__bench = { rows: null, longTasks: [] };
  new PerformanceObserver(function (list) {
    for (const e of list.getEntries()) window.__bench.longTasks.push({ start: e.startTime, end: e.startTime + e.duration });
  }).observe({ type: 'longtask', buffered: true });
  new MutationObserver(function () {
    if (window.__bench.rows === null && document.querySelectorAll('[data-testid=apps-table] tbody tr').length >= ${want}) window.__bench.rows = performance.now();
  }).observe(document, { childList: true, subtree: true });
`;

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const med = s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  return `median ${med.toFixed(0).padStart(5)} ms   min ${s[0]!.toFixed(0).padStart(5)} ms   max ${s.at(-1)!.toFixed(0).padStart(5)} ms`;
};

async function main(): Promise<void> {
  const stack = await startStack({ SLIPWAY_LOG_LEVEL: 'warn' });
  const browser = await launchBrowser();
  try {
    const settings = await stack.admin.patch('/api/v1/admin/settings', { max_apps_per_org: Math.max(1000, APPS) });
    if (settings.status !== 200) throw new Error(`settings: ${settings.status} ${settings.text}`);
    const email = 'bench@example.com';
    const password = 'bench password 1';
    const user = await ApiClient.signUp(stack.apiUrl, email, password);
    const t0 = Date.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < APPS) {
          const i = next++;
          const r = await user.post('/apps', { name: `bench-app-${String(i).padStart(3, '0')}` });
          if (r.status !== 201) throw new Error(`create app ${i}: ${r.status} ${r.text}`);
        }
      }),
    );
    const seeded = Date.now() - t0;
    const session = await fetch(`${stack.apiUrl}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
    const cookie = /slipway_session=([^;]+)/.exec(session.headers.get('set-cookie') ?? '')?.[1];
    if (!cookie) throw new Error('no session cookie');

    const fcp: number[] = [];
    const rows: number[] = [];
    const tti: number[] = [];
    const search: number[] = [];
    const warm: number[] = [];
    for (let run = 0; run < RUNS + 1; run++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await context.addCookies([{ name: 'slipway_session', value: cookie, url: stack.apiUrl, httpOnly: true }]);
      await context.addInitScript(PROBE(APPS));
      const page = await context.newPage();
      await page.goto(`${stack.apiUrl}/`);
      await page.waitForFunction(() => (window as unknown as { __bench: { rows: number | null } }).__bench.rows !== null, null, { timeout: 30_000 }).catch(async (err) => {
        throw new Error(`the apps list did not show ${APPS} rows (${await page.locator("[data-testid=apps-table] tbody tr").count()} shown; probe ${await page.evaluate(() => JSON.stringify((window as unknown as { __bench?: unknown }).__bench ?? null))}); the page says: ${(await page.locator("main").innerText()).slice(0, 300)}`, { cause: err });
      });
      await page.waitForTimeout(600); // the quiet window
      const m = await page.evaluate(() => {
        const b = (window as unknown as { __bench: { rows: number; longTasks: { start: number; end: number }[] } }).__bench;
        const paint = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN;
        const lastBusy = b.longTasks.filter((t) => t.start < b.rows + 500).reduce((x, t) => Math.max(x, t.end), 0);
        return { paint, rows: b.rows, tti: Math.max(b.rows, lastBusy) };
      });
      const box = page.getByLabel('Search apps');
      const s0 = Date.now();
      await box.fill('bench-app-123');
      await page.waitForFunction(() => document.querySelectorAll('[data-testid=apps-table] tbody tr').length === 1);
      const searchMs = Date.now() - s0;
      // a second visit: assets cached, the organization remembered (its apps are fetched at once)
      await page.reload();
      await page.waitForFunction(() => (window as unknown as { __bench: { rows: number | null } }).__bench.rows !== null, null, { timeout: 30_000 });
      const warmRows = await page.evaluate(() => (window as unknown as { __bench: { rows: number } }).__bench.rows);
      await context.close();
      if (run === 0) continue; // warm-up: the api's first requests
      fcp.push(m.paint);
      rows.push(m.rows);
      tti.push(m.tti);
      search.push(searchMs);
      warm.push(warmRows);
    }
    console.log(`bench/dashboard: apps list with ${APPS} apps, ${RUNS} runs (fresh browser context each, cold cache), chromium headless, seeded in ${(seeded / 1000).toFixed(1)} s`);
    console.log(`  first paint          ${stats(fcp)}`);
    console.log(`  apps list rendered   ${stats(rows)}`);
    console.log(`  interactive          ${stats(tti)}`);
    console.log(`  search response      ${stats(search)}`);
    console.log(`  list on a revisit    ${stats(warm)}   (cached assets, remembered organization)`);
  } finally {
    await browser.close();
    await stack.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
