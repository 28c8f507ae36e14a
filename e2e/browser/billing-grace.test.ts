// Issue 15 in a real browser (Debian's chromium via playwright-core) against the whole platform as
// real processes: an organization whose wallet a charge emptied sees a banner with the time left
// on every page; the wallet card of an unbilled organization (the first admin's) says it is not
// billed; a suspended app's header and the apps list say why and how to resume. Billing runs
// through the admin endpoint over backdated formation events, as the other billing tests do.
// Screenshots land under $SLIPWAY_TEST_OUTPUT/screenshots.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startStack, type Stack } from '../support/stack.js';
import { ApiClient } from '../support/client.js';
import { launchBrowser, openPage, screenshot, signIn, type Watched } from './support/browser.js';
import { US_PER_HOUR, dbHourUs, recordEvents } from '../integration/billing-support.js';

const PASSWORD = 'correct horse battery';
let stack: Stack;
let browser: Browser;
const pages: Watched[] = [];

beforeAll(async () => {
  stack = await startStack();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

/** A user with one app that has run (web=1 at the plan's price) for the three closed hours before now. */
async function userWithRunningApp(email: string, appName: string) {
  const api = await ApiClient.signUp(stack.apiUrl, email, PASSWORD);
  const app = (await api.post('/apps', { name: appName })).body;
  await stack.db.pool.query(`UPDATE apps SET status = 'running' WHERE id = $1`, [app.id]);
  const hour = await dbHourUs(stack.db.pool);
  await recordEvents(stack.db.pool, { id: app.id, orgId: app.organization.id, name: app.name, planId: app.plan.id }, [
    { atUs: hour - 3n * US_PER_HOUR, type: 'web', quantity: 1, pricePerHour: app.plan.price_per_hour },
  ]);
  return { api, app };
}

async function browse(email: string, password = PASSWORD) {
  const w = await openPage(browser);
  pages.push(w);
  await signIn(w.page, stack.apiUrl, email, password);
  return w.page;
}

const billingRun = async () => {
  const run = await stack.admin.post('/api/v1/admin/billing/run', {});
  expect(run.status, run.text).toBe(200);
};

describe('an empty wallet in the dashboard', () => {
  it('shows a banner with the time left on every page of the organization during the grace period', async () => {
    const { app } = await userWithRunningApp('grace@example.com', 'grace-demo');
    const page = await browse('grace@example.com');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Billing' }).click();
    // before any charge: the wallet is empty, and nothing says the apps are suspended
    const state = page.getByTestId('wallet-state');
    await state.waitFor();
    expect(await state.textContent()).toMatch(/Nothing is suspended/);
    expect(await page.getByTestId('wallet-banner').count()).toBe(0);

    await billingRun(); // three hours charged: the first empties the wallet; the grace period starts now
    await page.reload();
    const banner = page.getByTestId('wallet-banner');
    await banner.waitFor();
    expect(await page.getByTestId('grace-left').textContent()).toMatch(/^(23 h \d+ min|1 day)$/);
    expect(await state.textContent()).toMatch(/keep running for .* more/);
    await screenshot(page, 'billing-grace-banner');
    for (const path of ['/', `/app/${app.name}`, '/org/members']) {
      await page.goto(`${stack.apiUrl}${path}`);
      await banner.waitFor();
      expect(await banner.textContent()).toMatch(/wallet of .* is empty.*keep running for (2\d h|1 day)/);
    }
    expect(await page.getByTestId('suspension').count()).toBe(0);
  });

  it("says plainly on the first admin's Billing page that the organization is not billed", async () => {
    const page = await browse('admin@example.com', 'stack admin password');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Billing' }).click();
    const state = page.getByTestId('wallet-state');
    await state.waitFor();
    expect(await state.textContent()).toMatch(/not billed.*never charged/);
    expect(await page.getByTestId('time-left').textContent()).toBe('not billed');
    expect(await page.getByTestId('wallet-banner').count()).toBe(0);
    await screenshot(page, 'billing-unbilled');
  });

  it("says in a suspended app's header and in the apps list why it is stopped and how to resume it", async () => {
    expect((await stack.admin.patch('/api/v1/admin/settings', { suspension_grace_hours: 0 })).status).toBe(200);
    try {
      const { app } = await userWithRunningApp('broke@example.com', 'broke-demo');
      await billingRun();
      const page = await browse('broke@example.com');
      const row = page.locator(`[data-app="${app.name}"]`);
      await row.getByTestId('suspension-reason').waitFor();
      expect(await row.getByTestId('suspension-reason').textContent()).toMatch(/^wallet empty since /);
      expect(await row.getByTestId('suspension-reason').getAttribute('title')).toMatch(/topped up/);
      await row.getByRole('link', { name: app.name, exact: true }).click();
      const why = page.getByTestId('suspension');
      await why.waitFor();
      expect(await why.textContent()).toMatch(/Stopped since .* wallet is empty .* starts again by itself once the wallet is topped up/);
      expect(await page.getByTestId('wallet-banner').textContent()).toMatch(/1 app of .* is stopped since .* wallet ran out/);
      await screenshot(page, 'billing-suspended-app');
    } finally {
      await stack.admin.patch('/api/v1/admin/settings', { suspension_grace_hours: null });
    }
    for (const w of pages) {
      expect(w.dialogs).toEqual([]);
      expect(w.errors).toEqual([]);
    }
  });
});
