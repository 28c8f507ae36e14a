// The admin console in a real browser (Debian's chromium via playwright-core) against the whole
// platform as real processes (api, worker, nginx edge) and a real S3-protocol server (s3rver): an
// operator manages plans, settings (live), organizations (credit, suspend, resume, delete) and
// users (disable) through the pages, while a developer's open session and token see the effects.
// A non-admin is kept out of every admin page and endpoint. Screenshots of every admin page at
// 1280×800 land under $SLIPWAY_TEST_OUTPUT/screenshots (admin-*.png).
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { adminRouters } from '@slipway/api/http/app';
import { billingRoutes } from '@slipway/api/http/routes/billing.routes';
import type { HttpContext } from '@slipway/api/http/context';
import { startS3rver, S3RVER_KEYS, type S3rverHandle } from '@slipway/core/testing/s3rver';
import { startStack, type Stack } from '../support/stack.js';
import { ApiClient } from '../support/client.js';
import { WorkingCopy, viaEdge } from '../support/git.js';
import { eventually } from '../support/wait.js';
import { launchBrowser, openPage, screenshot, signIn, type Watched } from './support/browser.js';

const OPERATOR = 'admin@example.com';
const OPERATOR_PASSWORD = 'stack admin password';
const DEV = 'dev@example.com';
const PASSWORD = 'correct horse battery';
const SCREEN = { width: 1280, height: 800 };

let stack: Stack;
let s3: S3rverHandle;
let browser: Browser;
let op: Watched;
let dev: Watched;
let devApi: ApiClient;
let page: Page;
const orgs: Record<'live' | 'gone', { id: string; name: string }> = { live: { id: '', name: 'acme-live' }, gone: { id: '', name: 'acme-gone' } };
let pushes: Promise<void>;

const adminNav = (name: string) => page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name, exact: true }).click();
const edge = (app: string) => viaEdge(stack.edgePort, `${app}.localhost`).catch(() => ({ status: 0, body: '' }));

/** Every admin route the api's routers declare (method and path pattern). */
function adminRoutes(): { method: string; path: string }[] {
  const ctx = { services: {}, store: {}, urls: {} } as unknown as HttpContext; // routers only keep references
  const out: { method: string; path: string }[] = [];
  for (const router of [...adminRouters(ctx), billingRoutes(ctx)]) {
    for (const layer of (router as unknown as { stack: { route?: { path: string; methods: Record<string, boolean> } }[] }).stack) {
      if (!layer.route?.path.startsWith('/api/v1/admin')) continue;
      for (const m of Object.keys(layer.route.methods)) out.push({ method: m.toUpperCase(), path: layer.route.path });
    }
  }
  return out;
}

async function pushApp(app: string, token: string): Promise<void> {
  const wc = await WorkingCopy.create({ fixture: 'procfile-app', files: { 'public/index.html': `hello from ${app}` } });
  const r = await wc.push(`${stack.apiUrl}/${app}.git`, token);
  if (r.code !== 0) throw new Error(`push of ${app} failed: ${r.output}`);
  await eventually(async () => expect((await edge(app)).body).toBe(`hello from ${app}`), 60_000, 300);
}

beforeAll(async () => {
  [stack, s3] = await Promise.all([startStack(), startS3rver()]);
  devApi = await ApiClient.signUp(stack.apiUrl, DEV, PASSWORD);
  for (const o of Object.values(orgs)) o.id = (await devApi.post('/api/v1/organizations', { name: o.name })).body.id;
  browser = await launchBrowser();
  [op, dev] = await Promise.all([openPage(browser, SCREEN), openPage(browser, SCREEN)]);
  page = op.page;
  await Promise.all([signIn(op.page, stack.apiUrl, OPERATOR, OPERATOR_PASSWORD), signIn(dev.page, stack.apiUrl, DEV, PASSWORD)]);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
  await s3?.close();
});

describe('the admin console', () => {
  it('keeps a non-admin out: every admin page redirects, every admin endpoint answers 403', async () => {
    expect(await dev.page.getByRole('link', { name: 'Admin', exact: true }).count()).toBe(0);
    for (const p of ['/admin', '/admin/organizations', '/admin/users', '/admin/plans', '/admin/settings', '/admin/billing', '/admin/activity', `/admin/organizations/${orgs.live.id}`]) {
      await dev.page.goto(`${stack.apiUrl}${p}`);
      await dev.page.locator('#apps-title').waitFor();
      expect(new URL(dev.page.url()).pathname).toBe('/');
    }
    const routes = adminRoutes();
    expect(routes.length).toBeGreaterThanOrEqual(25);
    const statuses = await dev.page.evaluate(
      async ({ routes, org }) => {
        const out: string[] = [];
        for (const r of routes) {
          const url = r.path.replace(':plan', 'hobby').replace(':user', 'dev@example.com').replace(':org', org);
          const res = await fetch(url, { method: r.method, headers: { 'content-type': 'application/json', 'x-requested-with': 'slipway' }, body: r.method === 'GET' ? undefined : '{}' });
          if (res.status !== 403) out.push(`${r.method} ${r.path} → ${res.status}`);
        }
        return out;
      },
      { routes, org: orgs.live.id },
    );
    expect(statuses).toEqual([]);
  });

  it('creates a plan and makes it the default; a user creates an app on it; deleting it is refused (409), deactivating works', async () => {
    await page.getByRole('link', { name: 'Admin', exact: true }).click();
    await adminNav('Plans');
    await page.getByRole('button', { name: 'New plan' }).click();
    const form = page.getByRole('form', { name: 'New plan' });
    await form.getByLabel('Plan name').fill('team');
    await form.getByLabel('vCPU').fill('1');
    await form.getByLabel('Max dynos per process type').fill('3');
    await form.getByLabel('Price per hour (USD)').fill('0.02');
    await form.getByText('$0.02/h · $14.60/mo per dyno').waitFor();
    await form.getByRole('button', { name: 'Create plan' }).click();
    const row = page.locator('[data-plan=team]');
    await row.waitFor();
    await row.getByRole('button', { name: 'Make team the default' }).click();
    await row.getByText('default').waitFor();

    // the developer creates an app in the dashboard: the new default plan is chosen for them
    const d = dev.page;
    await d.goto(`${stack.apiUrl}/new-app`);
    await d.getByLabel('App name').fill('live-app');
    await d.locator('main').getByLabel('Organization').selectOption({ label: orgs.live.name });
    expect(await d.locator('.plan-option[data-plan=team] input').isChecked()).toBe(true);
    await d.getByRole('button', { name: 'Create app' }).click();
    await d.getByRole('heading', { name: 'live-app is ready for code' }).waitFor();
    expect((await devApi.get('/apps/live-app')).body.plan.name).toBe('team');
    expect((await devApi.post('/apps', { name: 'gone-app', organization: orgs.gone.id, plan: 'hobby' })).status).toBe(201);
    pushes = Promise.all([pushApp('live-app', devApi.token!), pushApp('gone-app', devApi.token!)]).then(() => undefined);
    pushes.catch(() => undefined); // awaited (and reported) by the tests that need the apps

    await page.locator('[data-plan=hobby]').getByRole('button', { name: 'Make hobby the default' }).click();
    await page.locator('[data-plan=hobby]').getByText('default').waitFor();
    await row.getByRole('button', { name: 'Delete team' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('1 app uses this plan').waitFor();
    await dialog.getByRole('button', { name: 'Delete plan' }).click();
    await dialog.getByRole('alert').getByText('Plan team is used by 1 app; move it to another plan, or deactivate this plan instead.').waitFor();
    await screenshot(page, 'admin-plans-delete-refused');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await row.getByRole('button', { name: 'Deactivate team' }).click();
    await row.getByText('inactive').waitFor();
    expect((await devApi.get('/api/v1/plans')).body.map((p: { name: string }) => p.name)).not.toContain('team');
    expect((await devApi.get('/apps/live-app')).body.plan.name).toBe('team'); // apps on it keep it
    await screenshot(page, 'admin-plans');
  });

  it('changes settings live: sign-up off then on; tests the object store against s3rver (success, then a wrong key)', async () => {
    await adminNav('Settings');
    const accounts = page.locator('[data-group=accounts]');
    const signup = accounts.getByRole('switch', { name: 'Signup enabled' });
    expect(await signup.getAttribute('aria-checked')).toBe('true');
    const anon = await openPage(browser, SCREEN);
    try {
      await signup.click();
      await accounts.getByRole('button', { name: 'Save accounts' }).click();
      await accounts.getByText('Saved Signup enabled.').waitFor();
      await anon.page.goto(`${stack.apiUrl}/signup`);
      await anon.page.getByText('Sign-up is closed').waitFor();
      await anon.page.goto(`${stack.apiUrl}/login`);
      await anon.page.getByLabel('Email').waitFor();
      expect(await anon.page.getByRole('link', { name: 'Create an account' }).count()).toBe(0);

      await signup.click();
      await accounts.getByRole('button', { name: 'Save accounts' }).click();
      await accounts.getByText('Saved Signup enabled.').waitFor();
      await anon.page.goto(`${stack.apiUrl}/login`);
      await anon.page.getByRole('link', { name: 'Create an account' }).click();
      await anon.page.getByLabel('Email').fill('newcomer@example.com');
      await anon.page.getByLabel('Password').fill(PASSWORD);
      await anon.page.getByRole('button', { name: 'Create account' }).click();
      await anon.page.locator('#apps-title').waitFor();
    } finally {
      await anon.context.close();
    }

    const store = page.locator('[data-group=object_store]');
    await store.getByLabel('Object store kind').selectOption('s3');
    await store.getByLabel('S3 endpoint').fill(s3.url);
    await store.getByLabel('S3 bucket').fill('slipway-console');
    await store.getByLabel('S3 access key ID').fill(S3RVER_KEYS.accessKeyId);
    await store.getByLabel('S3 secret access key').fill(S3RVER_KEYS.secretAccessKey);
    await store.getByRole('button', { name: 'Test connection' }).click();
    await store.getByTestId('probe-result').getByText(/^Wrote, read back and deleted a test object in bucket slipway-console/).waitFor();
    await store.getByLabel('S3 access key ID').fill('WRONGKEY');
    await store.getByRole('button', { name: 'Test connection' }).click();
    await store.getByTestId('probe-result').getByText('Writing a test object failed: the store does not know this access key ID (InvalidAccessKeyId).').waitFor();
    await screenshot(page, 'admin-settings');
    await store.getByRole('button', { name: 'Undo' }).click();
  });

  it('credits an organization (wallet and ledger change), suspends it (its app stops) and resumes it', async () => {
    await pushes;
    await adminNav('Organizations');
    await page.locator('[data-org=acme-gone]').waitFor();
    await screenshot(page, 'admin-organizations');
    await page.getByLabel('Search organizations').fill('acme-live');
    await page.locator('[data-org=acme-gone]').waitFor({ state: 'detached' });
    await page.locator('[data-org=acme-live]').getByRole('link', { name: 'acme-live' }).click();
    await page.getByTestId('org-balance').getByText('$0.00').waitFor();
    const wallet = page.getByTestId('wallet-form');
    await wallet.getByLabel('Amount (USD)').fill('25');
    await wallet.getByLabel('Note').fill('Welcome credit');
    await wallet.getByRole('button', { name: 'Credit wallet' }).click();
    await wallet.getByText('Credited $25.00.').waitFor();
    await page.getByTestId('org-balance').getByText('$25.00').waitFor();
    await page.getByTestId('org-ledger').getByText('Welcome credit').waitFor();
    expect(await page.getByTestId('org-ledger').textContent()).toContain('+$25.00');
    expect((await devApi.get(`/api/v1/organizations/${orgs.live.id}/wallet`)).body.balance).toBe(25_000_000);

    await page.getByRole('button', { name: 'Suspend…' }).click();
    await page.getByRole('dialog').getByLabel('Note (kept in the activity log)').fill('abuse report 42');
    await page.getByRole('dialog').getByRole('button', { name: 'Suspend organization' }).click();
    await page.getByTestId('org-state').locator('[data-reason=admin]').getByText('suspended by an administrator · 1 app').waitFor();
    await page.locator('[data-testid=org-apps] [data-app=live-app] [data-status=suspended]').waitFor();
    await eventually(async () => expect((await edge('live-app')).status).not.toBe(200), 60_000, 300);
    await screenshot(page, 'admin-organization-suspended');

    await page.getByRole('button', { name: 'Resume…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Resume organization' }).click();
    await page.getByTestId('org-state').getByText('active').waitFor();
    await eventually(async () => expect((await edge('live-app')).body).toBe('hello from live-app'), 60_000, 300);
    await screenshot(page, 'admin-organization');
  });

  it('deletes another organization after its name is typed: nothing of it remains in the runtime, object store or routing table', async () => {
    const app = (await devApi.get('/apps/gone-app')).body;
    const objects = path.join(stack.dataDir, 'objects');
    const held = async () => {
      const found: string[] = [];
      for (const prefix of ['slugs', 'sources', 'build-logs']) {
        const dir = path.join(objects, prefix, app.id);
        if (existsSync(dir) && (await readdir(dir)).length > 0) found.push(prefix);
      }
      return found;
    };
    expect(await held()).toContain('slugs');
    await page.goto(`${stack.apiUrl}/admin/organizations/${orgs.gone.id}`);
    await page.getByRole('button', { name: 'Delete…' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('its 1 app (gone-app)').waitFor();
    const confirm = dialog.getByRole('button', { name: 'Delete this organization' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('Type the name to confirm').fill('acme-gone');
    await confirm.click();
    await page.locator('#orgs-title').waitFor();
    expect(await page.locator('[data-org=acme-gone]').count()).toBe(0);

    await eventually(async () => {
      expect((await edge('gone-app')).body).not.toContain('hello from gone-app');
      expect(await held()).toEqual([]);
      const routes = await readdir(path.join(stack.dataDir, 'edge'), { recursive: true });
      const text = (await Promise.all(routes.filter((f) => f.endsWith('.conf')).map((f) => readFile(path.join(stack.dataDir, 'edge', f), 'utf8')))).join('\n');
      expect(text).not.toContain('gone-app.localhost');
      expect(existsSync(path.join(stack.dataDir, 'apps', app.id))).toBe(false);
    }, 60_000, 500);
    expect((await devApi.get('/apps/gone-app')).status).toBe(404);
    expect((await edge('live-app')).body).toBe('hello from live-app'); // the other organization is untouched
  });

  it('disables a user: their open dashboard session and their token are refused on the next request', async () => {
    await adminNav('Users');
    await page.getByLabel('Search users').fill('dev@');
    await page.locator(`[data-email="${DEV}"]`).getByRole('link', { name: DEV }).click();
    await page.getByRole('heading', { name: DEV }).waitFor();
    await page.getByText('acme-live').first().waitFor();
    await screenshot(page, 'admin-user');
    await page.getByRole('button', { name: 'Disable…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Disable user' }).click();
    await page.getByTestId('user-state').getByText('disabled').waitFor();

    expect((await devApi.get('/account')).status).toBe(401);
    await dev.page.goto(`${stack.apiUrl}/org/members`);
    await dev.page.waitForURL(/\/login\?next=/);
    await dev.page.getByLabel('Email').fill(DEV);
    await dev.page.getByLabel('Password').fill(PASSWORD);
    await dev.page.getByRole('button', { name: 'Sign in' }).click();
    await dev.page.getByRole('alert').getByText('This account is disabled; ask a Slipway administrator.').waitFor();

    await adminNav('Users');
    await page.locator(`[data-email="${DEV}"]`).getByText('disabled').waitFor();
    await screenshot(page, 'admin-users');
  });

  it('runs billing now and shows the result; the activity log says who did what from where, and exports CSV', async () => {
    await adminNav('Billing');
    await page.getByRole('button', { name: 'Run now' }).click();
    await page.getByText(/^Billing ran:/).waitFor();
    await page.getByTestId('last-run').getByText(`by ${OPERATOR}`).waitFor();
    await screenshot(page, 'admin-billing');

    await adminNav('Activity');
    await page.getByLabel('Filter by type').selectOption('org');
    await page.getByRole('button', { name: 'Filter', exact: true }).click();
    const suspended = page.locator('[data-testid=activity-log] tr[data-action="org.suspended"]');
    await suspended.waitFor();
    expect(await suspended.textContent()).toMatch(/admin@example\.com.*Suspended organization acme-live \(1 app\): abuse report 42.*127\.0\.0\.1/);
    await page.locator('[data-testid=activity-log] tr[data-action="org.deleted"]').waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()]);
    const csv = await readFile(await download.path(), 'utf8');
    expect(csv.split('\r\n')[0]).toBe('id,created_at,actor,action,organization,app_id,ip,details');
    expect(csv).toContain('org.deleted');
    expect(csv).not.toContain('plan.created');
    await screenshot(page, 'admin-activity');
  });

  it('shows the overview: counts, 30 days of money as a chart, low wallets, recent activity', async () => {
    await adminNav('Overview');
    await page.locator('[data-testid=money-chart] canvas').first().waitFor();
    expect(await page.getByTestId('credits-30d').textContent()).toBe('$25.00');
    expect(await page.locator('[data-stat=Apps] .stat-value').textContent()).toBe('1');
    await page.getByTestId('recent-activity').getByText('Ran').or(page.getByTestId('recent-activity').getByText('Disabled user dev@example.com')).first().waitFor();
    await screenshot(page, 'admin-overview');
    expect(op.dialogs).toEqual([]);
    expect(op.errors).toEqual([]);
  });
});
