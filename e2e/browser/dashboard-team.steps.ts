// The dashboard walk-through, continued (registered by dashboard.test.ts, in order, on the same
// stack and page): a viewer's read-only view, renaming and deleting, the apps list, the public
// Plans page, the Billing page, phone width and keyboard, the security headers, and signing out.
import { readFile } from 'node:fs/promises';
import { expect, it } from 'vitest';
import { ApiClient } from '../support/client.js';
import { eventually } from '../support/wait.js';
import { openPage, screenshot, signIn } from './support/browser.js';
import { APP, DEV, ORG, PASSWORD, VIEWER, XSS, tab, w } from './support/dashboard-world.js';
import { formatMoney, perHour, perMonth } from '../../client/src/lib/money.js';
import { US_PER_HOUR, dbHourUs, recordEvents } from '../integration/billing-support.js';

export function teamSteps(): void {
  it('invites a member, makes them a viewer; the viewer sees the app but cannot change config, scale or delete', async () => {
    await w.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Members' }).click();
    await w.page.getByLabel('Email').fill('nobody@example.com');
    await w.page.getByRole('button', { name: 'Invite' }).click();
    await w.page.getByText('There is no Slipway account for nobody@example.com').waitFor(); // the API's words, where the user acted
    await w.page.getByLabel('Email').fill(VIEWER);
    await w.page.getByRole('button', { name: 'Invite' }).click();
    const row = w.page.locator(`[data-email="${VIEWER}"]`);
    await row.waitFor();
    await row.getByLabel(`Role of ${VIEWER}`).selectOption('viewer');
    await eventually(async () => expect(await row.getByLabel(`Role of ${VIEWER}`).inputValue()).toBe('viewer'), 5_000);
    await w.page.reload();
    expect(await w.page.locator(`[data-email="${VIEWER}"]`).getByLabel(`Role of ${VIEWER}`).inputValue()).toBe('viewer');
    await screenshot(w.page, '18-members');

    const viewer = await openPage(w.browser);
    const v = viewer.page;
    try {
      await signIn(v, w.stack.apiUrl, VIEWER, PASSWORD);
      await v.getByTestId('org-switcher').selectOption({ label: ORG });
      await v.getByRole('link', { name: APP, exact: true }).click();
      await v.getByText('read-only (viewer)').waitFor();
      expect(await v.getByRole('link', { name: 'Create app' }).count()).toBe(0);

      await v.locator('nav.tabs').getByRole('link', { name: 'Config vars' }).click();
      await v.locator('[data-key=SECRET_TOKEN]').waitFor();
      expect(await v.content()).not.toContain('s3cret-value');
      await v.getByText('Your role can see which variables exist').waitFor();
      expect(await v.getByRole('button', { name: /Reveal|Edit|Delete|Add/ }).count()).toBe(0);
      expect(await v.getByLabel('Key', { exact: true }).count()).toBe(0);
      for (const value of await v.getByTestId('config-value').allTextContents()) expect(value).toBe('••••••••');
      await screenshot(v, '19-viewer-config');

      await v.locator('nav.tabs').getByRole('link', { name: 'Resources' }).click();
      await v.getByTestId('formation').waitFor();
      expect(await v.getByRole('button', { name: /One more|One fewer|Save changes|Restart all/ }).count()).toBe(0);
      expect(await v.getByLabel('web quantity').count()).toBe(0);
      await screenshot(v, '20-viewer-resources');

      await v.locator('nav.tabs').getByRole('link', { name: 'Releases' }).click();
      await v.getByTestId('releases').waitFor();
      expect(await v.getByRole('button', { name: /Roll back/ }).count()).toBe(0);

      await v.locator('nav.tabs').getByRole('link', { name: 'Settings' }).click();
      await v.getByText('Your role (viewer) can look at').waitFor();
      expect(await v.getByRole('button', { name: /Delete|Rename|maintenance|Save/ }).count()).toBe(0);
      await screenshot(v, '21-viewer-settings');

      // and the API refuses the same session
      const statuses = await v.evaluate(async (app) => {
        const send = (method: string, path: string, body?: unknown) =>
          fetch(path, { method, headers: { 'content-type': 'application/json', 'x-requested-with': 'slipway' }, body: body === undefined ? undefined : JSON.stringify(body) }).then((r) => r.status);
        return {
          config: await send('PATCH', `/apps/${app}/config-vars`, { GREETING: 'hacked' }),
          scale: await send('PATCH', `/apps/${app}/formation`, { updates: [{ type: 'web', quantity: 1 }] }),
          remove: await send('DELETE', `/apps/${app}`),
          read: await send('GET', `/apps/${app}`),
        };
      }, APP);
      expect(statuses).toEqual({ config: 403, scale: 403, remove: 403, read: 200 });
      expect(viewer.dialogs).toEqual([]);
    } finally {
      await viewer.context.close();
    }
    // and the owner removes them
    await w.page.locator(`[data-email="${VIEWER}"]`).getByRole('button', { name: `Remove ${VIEWER}` }).click();
    await w.page.getByRole('dialog').getByRole('button', { name: 'Remove member' }).click();
    await w.page.locator(`[data-email="${VIEWER}"]`).waitFor({ state: 'detached' });
  });

  it('renames an app and deletes it after the name is typed', async () => {
    await w.page.goto(`${w.stack.apiUrl}/new-app`);
    await w.page.getByLabel('App name').fill(APP);
    await w.page.getByRole('button', { name: 'Create app' }).click();
    await w.page.getByRole('alert').getByText(`Name ${APP} is already taken.`).waitFor(); // the API's 409, on the form
    await w.page.getByLabel('App name').fill('scratch-app');
    await w.page.getByRole('button', { name: 'Create app' }).click();
    await w.page.getByRole('link', { name: 'Go to scratch-app' }).click();
    await tab('Settings');
    await w.page.getByLabel('App name').fill('scratch-two');
    await w.page.getByRole('button', { name: 'Rename' }).click();
    await w.page.waitForURL(/\/app\/scratch-two\/settings$/);
    await w.page.getByRole('button', { name: 'Delete scratch-two…' }).click();
    const dialog = w.page.getByRole('dialog');
    const confirm = dialog.getByRole('button', { name: 'Delete this app' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('Type the name to confirm').fill('scratch-tw');
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('Type the name to confirm').fill('scratch-two');
    await screenshot(w.page, '22-delete-confirm');
    await confirm.click();
    await w.page.locator('#apps-title').waitFor();
    await w.page.locator(`[data-app="${APP}"]`).waitFor();
    expect(await w.page.locator('[data-app="scratch-two"]').count()).toBe(0);
  });

  it('lists apps with status, plan and web URL; search with markup renders as text', async () => {
    const row = w.page.locator(`[data-app="${APP}"]`);
    await row.locator('[data-status=running]').waitFor({ timeout: 60_000 }); // the last config change redeployed it
    expect(await row.textContent()).toContain(`${APP}.localhost:${w.stack.edgePort}`);
    await screenshot(w.page, '23-apps-list');
    await w.page.getByLabel('Search apps').fill(XSS);
    await w.page.getByText(`No app matches “${XSS}”.`).waitFor();
    expect(await w.page.locator('img').count()).toBe(0);
    await w.page.getByLabel('Search apps').fill('web');
    await row.waitFor();
  });

  it('shows the public Plans page with hourly and monthly prices', async () => {
    const anon = await openPage(w.browser);
    try {
      await anon.page.goto(`${w.stack.apiUrl}/plans`);
      for (const p of w.plans) {
        const card = anon.page.locator(`[data-plan="${p.name}"]`);
        const text = (await card.textContent()) ?? '';
        expect(text).toContain(perHour(p.price_per_hour));
        expect(text).toContain(perMonth(p.price_per_month));
      }
      await screenshot(anon.page, '24-plans-public');
    } finally {
      await anon.context.close();
    }
  });

  it('shows the wallet, usage per app over time, the ledger and CSV exports on the Billing page', async () => {
    // two days of history for the app (backdated formation events, as the billing tests record
    // them), a top-up, then the hourly billing run for every closed hour
    const devApi = new ApiClient(w.stack.apiUrl, w.token);
    const app = (await devApi.get(`/apps/${APP}`)).body;
    const credit = await w.stack.admin.post(`/api/v1/admin/organizations/${app.organization.id}/credits`, { amount: 25_000_000, note: 'Welcome credit' });
    expect(credit.status, credit.text).toBe(201);
    const hour = await dbHourUs(w.stack.db.pool);
    await recordEvents(w.stack.db.pool, { id: app.id, orgId: app.organization.id, name: APP, planId: app.plan.id }, [
      { atUs: hour - 30n * US_PER_HOUR + 1_234_567n, type: 'web', quantity: 1, pricePerHour: app.plan.price_per_hour },
      { atUs: hour - 14n * US_PER_HOUR, type: 'web', quantity: 2, pricePerHour: app.plan.price_per_hour },
    ]);
    const run = await w.stack.admin.post('/api/v1/admin/billing/run', {});
    expect(run.status, run.text).toBe(200);
    const wallet = (await devApi.get(`/api/v1/organizations/${app.organization.id}/wallet`)).body;
    expect(wallet.balance).toBeLessThan(25_000_000);

    await w.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Billing' }).click();
    await w.page.getByRole('heading', { name: 'Wallet' }).waitFor();
    await eventually(async () => expect(await w.page.getByTestId('balance').textContent()).toBe(formatMoney(wallet.balance)), 10_000);
    expect(await w.page.getByTestId('burn-rate').textContent()).toBe(perHour(wallet.burn_rate_per_hour));
    await w.page.getByTestId('usage').getByText(APP).waitFor();
    await w.page.locator('[data-testid=usage-chart] canvas').first().waitFor();
    const ledger = w.page.getByTestId('ledger');
    await ledger.getByText('+$25.00').waitFor();
    expect(await ledger.locator('.badge-ledger-charge').count()).toBeGreaterThanOrEqual(30);
    expect(await ledger.textContent()).toContain(APP);
    await screenshot(w.page, '25-billing');

    const [download] = await Promise.all([w.page.waitForEvent('download'), w.page.getByRole('link', { name: 'Download ledger (CSV)' }).click()]);
    const csv = await readFile(await download.path(), 'utf8');
    expect(csv.split('\r\n')[0]).toMatch(/^id,created_at,kind,amount/);
    expect(csv).toContain('Welcome credit');
  });

  it('works at phone width and from the keyboard', async () => {
    const phone = await openPage(w.browser, { width: 390, height: 844 });
    const p = phone.page;
    try {
      await p.goto(`${w.stack.apiUrl}/login`);
      // keyboard only: the email field has focus; Tab to the password; Enter submits
      await p.getByLabel('Email').waitFor();
      expect(await p.evaluate(() => document.activeElement?.getAttribute('type'))).toBe('email');
      await p.keyboard.type(DEV);
      await p.keyboard.press('Tab');
      await p.keyboard.type(PASSWORD);
      await p.keyboard.press('Enter');
      await p.locator('#apps-title').waitFor();
      await p.getByTestId('org-switcher').selectOption({ label: ORG });
      await p.locator(`[data-app="${APP}"]`).waitFor();
      const overflow = () => p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      expect(await overflow()).toBeLessThanOrEqual(1);
      await screenshot(p, '26-phone-apps');
      // reach the app link by tabbing, open it with Enter
      let reached = false;
      for (let i = 0; i < 40 && !reached; i++) {
        await p.keyboard.press('Tab');
        reached = await p.evaluate((app) => document.activeElement?.textContent === app && document.activeElement.tagName === 'A', APP);
      }
      expect(reached).toBe(true);
      await p.keyboard.press('Enter');
      await p.locator('[data-tab=overview]').waitFor();
      for (const [t, label] of [['overview', 'Overview'], ['resources', 'Resources'], ['logs', 'Logs']] as const) {
        await p.locator('nav.tabs').getByRole('link', { name: label, exact: true }).click();
        await p.waitForTimeout(300);
        expect(await overflow()).toBeLessThanOrEqual(1);
        await screenshot(p, `27-phone-${t}`);
      }
    } finally {
      await phone.context.close();
    }
    expect(w.dev.dialogs).toEqual([]);
    expect(w.dev.errors).toEqual([]);
    expect(w.dev.cspViolations).toEqual([]);
  });

  it('is sent with a content security policy that forbids framing, nosniff and no referrer', async () => {
    const res = await fetch(`${w.stack.apiUrl}/`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    // an inline script is refused by the browser under that policy
    const probe = await openPage(w.browser);
    try {
      await probe.page.goto(`${w.stack.apiUrl}/login`);
      await probe.page.evaluate(() => {
        const s = document.createElement('script');
        s.textContent = 'window.__inlineRan = true';
        document.body.appendChild(s);
      });
      expect(await probe.page.evaluate(() => (window as unknown as { __inlineRan?: boolean }).__inlineRan ?? false)).toBe(false);
      await eventually(async () => expect(probe.cspViolations.length).toBeGreaterThan(0), 5_000);
    } finally {
      await probe.context.close();
    }
  });

  it('signs out; signed-in pages then send to the sign-in page', async () => {
    await w.page.goto(`${w.stack.apiUrl}/`);
    await w.page.getByRole('button', { name: 'Sign out' }).click();
    await w.page.waitForURL(/\/login$/);
    await w.page.goto(`${w.stack.apiUrl}/app/${APP}/config`);
    await w.page.waitForURL(/\/login\?next=%2Fapp%2Fweb-demo%2Fconfig$/);
    expect(await w.page.evaluate(() => fetch('/api/v1/session').then((r) => r.status))).toBe(401);
  });
}
