// The dashboard in a real browser (Debian's chromium via playwright-core) against the whole
// platform started as real processes (api, worker, nginx edge): a developer signs in, creates an
// organization, a token and an app, pushes with the real git client while watching the build log
// live, then configures, rolls back, scales, reads logs, turns maintenance on, invites a viewer —
// and every piece of markup it injects stays text. Screenshots of each tab land under
// $SLIPWAY_TEST_OUTPUT/screenshots.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { requireEnv } from '@slipway/core/testing/test-env';
import { startStack, type Stack } from '../support/stack.js';
import { ApiClient } from '../support/client.js';
import { WorkingCopy, viaEdge } from '../support/git.js';
import { eventually, report } from '../support/wait.js';
import { launchBrowser, openPage, screenshot, signIn, type Watched } from './support/browser.js';
import { formatMoney, perHour, perMonth } from '../../client/src/lib/money.js';
import { US_PER_HOUR, dbHourUs, recordEvents } from '../integration/billing-support.js';

const XSS = '<img src=x onerror=alert(1)>';
const PASSWORD = 'correct horse battery';
const DEV = 'dev@example.com';
const VIEWER = 'viewer@example.com';
const ORG = 'acme-web';
const APP = 'web-demo';

// The e2e Node fixture, with a build step and a server that print markup and ANSI colours.
const BUILD_JS = `const isOdd = require('is-odd');
console.log('\\u001b[32mbuild says ${XSS}\\u001b[0m');
require('fs').writeFileSync('build-info.json', JSON.stringify({ built: true, odd: isOdd(3) }));
`;
const SERVER_JS = `const http = require('http');
require('is-number');
http.createServer((req, res) => {
  if (req.url.startsWith('/log')) {
    console.log('marker ' + new URL(req.url, 'http://x').searchParams.get('m') + ' ${XSS}');
    return res.end('logged');
  }
  res.end('hello ' + (process.env.GREETING || 'world'));
}).listen(process.env.PORT, () => console.log('listening on ' + process.env.PORT));
`;

let stack: Stack;
let browser: Browser;
let dev: Watched;
let page: Page;
let wc: WorkingCopy;
let token = '';
let gitUrl = '';
let plans: { name: string; price_per_hour: number; price_per_month: number; max_replicas: number; default: boolean }[] = [];

const host = `${APP}.localhost`;
const webUrl = () => `http://${host}:${stack.edgePort}/`;
const edgeBody = async (p = '/') => (await viaEdge(stack.edgePort, host, p)).body;
const tab = (name: string) => page.locator('nav.tabs').getByRole('link', { name, exact: true }).click();

beforeAll(async () => {
  stack = await startStack();
  await ApiClient.signUp(stack.apiUrl, DEV, PASSWORD);
  await ApiClient.signUp(stack.apiUrl, VIEWER, PASSWORD);
  plans = (await stack.admin.get('/api/v1/plans')).body;
  wc = await WorkingCopy.create({ fixture: 'node-app', files: { 'build.js': BUILD_JS, 'server.js': SERVER_JS } });
  browser = await launchBrowser();
  dev = await openPage(browser);
  page = dev.page;
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('the dashboard', () => {
  it('signs in; the empty apps list explains how to create the first app', async () => {
    await page.goto(`${stack.apiUrl}/`);
    await page.waitForURL(/\/login\?next=/);
    await screenshot(page, '00-sign-in');
    // a wrong password is answered where the user acted
    await page.getByLabel('Email').fill(DEV);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/password|credentials|invalid/i);
    await signIn(page, stack.apiUrl, DEV, PASSWORD);
    await page.getByText('No apps yet').waitFor();
    expect(await page.getByRole('link', { name: 'Create your first app' }).isVisible()).toBe(true);
    await screenshot(page, '01-apps-empty');
  });

  it('creates an organization and an API token that is shown once (Account page)', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    await page.getByLabel('New organization name').fill(ORG);
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.getByText(`Created ${ORG}; it is now selected.`).waitFor();
    await eventually(async () => expect(await page.getByTestId('org-switcher').locator('option:checked').textContent()).toBe(ORG), 5_000);

    await page.getByLabel('Description').fill('browser push');
    await page.getByRole('button', { name: 'Create token' }).click();
    token = (await page.getByTestId('new-token').locator('code').textContent()) ?? '';
    expect(token).toMatch(/^slw/);
    await screenshot(page, '02-account-token-once');
    await page.getByRole('button', { name: 'I have copied it' }).click();
    expect(await page.getByText(token).count()).toBe(0);
    await page.getByTestId('tokens').getByText('browser push').waitFor();

    await page.getByLabel('Add a public key').fill('not a key');
    await page.getByRole('button', { name: 'Add key' }).click();
    await page.getByText('Paste the contents of a .pub file').waitFor();
    const dir = await mkdtemp(path.join(requireEnv('SLIPWAY_TEST_SCRATCH'), 'key-'));
    expect(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'dev@browser', '-f', path.join(dir, 'id')]).status).toBe(0);
    await page.getByLabel('Add a public key').fill(await readFile(path.join(dir, 'id.pub'), 'utf8'));
    await page.getByRole('button', { name: 'Add key' }).click();
    await page.getByTestId('ssh-keys').getByText('dev@browser').waitFor();
    expect(await page.getByTestId('ssh-keys').textContent()).toMatch(/SHA256:/);
    await screenshot(page, '02-account');
  });

  it('creates an app with live name validation and plan prices, then shows the git instructions', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Apps' }).click();
    await page.getByRole('link', { name: 'Create your first app' }).click();
    const name = page.getByLabel('App name');
    const submit = page.getByRole('button', { name: 'Create app' });
    const cases: [string, RegExp][] = [
      ['My App', /start with a lowercase letter/],
      [XSS, /start with a lowercase letter/],
      ['my_app', /Only lowercase letters, digits and dashes/],
      ['admin', /reserved/],
      ['bad--name', /two dashes/],
      ['trailing-', /end with a dash/],
    ];
    for (const [value, message] of cases) {
      await name.fill(value);
      expect(await page.locator('#name-help').textContent()).toMatch(message);
      expect(await submit.isDisabled()).toBe(true);
    }
    expect(await page.locator('img').count()).toBe(0);
    await name.fill(APP);
    expect(await page.locator('#name-help').textContent()).toBe('Looks good.');

    // every plan with its hourly and monthly price, exactly as the API prices it
    for (const p of plans) {
      const option = page.locator(`.plan-option[data-plan="${p.name}"]`);
      const text = (await option.textContent()) ?? '';
      expect(text).toContain(perHour(p.price_per_hour));
      expect(text).toContain(perMonth(p.price_per_month));
    }
    const hobby = plans.find((p) => p.default)!;
    expect(perHour(hobby.price_per_hour)).toMatch(/^\$\d+\.\d{2,6}\/h$/);
    await screenshot(page, '03-create-app');
    await submit.click();

    await page.getByRole('heading', { name: `${APP} is ready for code` }).waitFor();
    gitUrl = (await page.getByTestId('git-url').textContent()) ?? '';
    expect(gitUrl).toBe(`${stack.apiUrl}/${APP}.git`);
    expect(await page.getByText(`git remote add slipway ${gitUrl}`).count()).toBe(1);
    await page.getByRole('radio', { name: 'SSH' }).click();
    expect(await page.getByTestId('git-ssh-url').textContent()).toBe(`ssh://git@127.0.0.1:${stack.sshPort}/${APP}.git`);
    await screenshot(page, '04-create-app-git-instructions');
    await page.getByRole('radio', { name: 'HTTPS' }).click();
  });

  it('shows the build log live on the Deploy tab while git push runs, then the app runs at its web URL', async () => {
    await page.getByRole('link', { name: `Go to ${APP}` }).click();
    await page.getByText('No builds yet.').waitFor();
    await screenshot(page, '05-deploy-before-push');

    let pushDone = false;
    const pushing = wc.push(gitUrl, token).finally(() => (pushDone = true));
    const log = page.getByTestId('build-log');
    await log.getByText('-----> Compiling').waitFor({ timeout: 120_000 });
    const liveWhilePushing = !pushDone;
    await page.locator('[data-stage=Compiling][data-state=current], [data-stage=Compiling][data-state=done]').first().waitFor();
    await screenshot(page, '06-deploy-building');
    const push = await pushing;
    expect(push.code, push.output).toBe(0);
    expect(liveWhilePushing, 'the build log showed up before git push returned').toBe(true);

    await page.locator('[data-stage=Launching][data-state=done]').waitFor({ timeout: 120_000 });
    await page.locator('.app-head [data-status=running]').waitFor({ timeout: 60_000 });
    const text = (await log.textContent()) ?? '';
    for (const stage of ['Fetching', 'Detecting', 'Compiling', 'Releasing', 'Launching']) expect(text).toContain(`-----> ${stage}`);
    // markup printed by the build is text; its ANSI colour became a styled span
    expect(text).toContain(`build says ${XSS}`);
    expect(await log.locator('img').count()).toBe(0);
    expect(await log.locator('span[style*="color"]', { hasText: 'build says' }).count()).toBe(1);
    await screenshot(page, '07-deploy-succeeded');

    await tab('Overview');
    await page.locator(`[data-dyno="web.1"][data-state=up]`).waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('web-url').textContent()).toBe(webUrl());
    await screenshot(page, '08-overview');
    const [opened] = await Promise.all([dev.context.waitForEvent('page'), page.getByRole('link', { name: 'Open app ↗' }).click()]);
    await opened.waitForLoadState();
    expect(await opened.locator('body').textContent()).toBe('hello world');
    await screenshot(opened, '09-app-web-url');
    await opened.close();
  });

  it('sets config vars in the page (a new release), and rolls back from the Releases tab to the old body', async () => {
    await tab('Config vars');
    await page.getByText('Each save creates a new release').waitFor();
    await page.getByLabel('Key', { exact: true }).fill('greeting');
    await page.getByLabel('Value', { exact: true }).fill('browser');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText('Saved GREETING. A new release was created').waitFor();
    // a multi-line value carrying markup
    await page.getByLabel('Key', { exact: true }).fill('NOTE');
    await page.getByLabel('Value', { exact: true }).fill(`line one\n${XSS}`);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText('Saved NOTE.').waitFor();
    const row = page.locator('[data-key=GREETING]');
    expect(await row.getByTestId('config-value').textContent()).toBe('••••••••');
    await row.getByRole('button', { name: 'Reveal GREETING' }).click();
    expect(await row.getByTestId('config-value').textContent()).toBe('browser');
    await page.locator('[data-key=NOTE]').getByRole('button', { name: 'Reveal NOTE' }).click();
    expect(await page.locator('[data-key=NOTE]').getByTestId('config-value').textContent()).toBe(`line one\n${XSS}`);
    expect(await page.locator('img').count()).toBe(0);
    await screenshot(page, '10-config-vars');
    await eventually(async () => expect(await edgeBody()).toBe('hello browser'), 60_000, 500);

    await tab('Releases');
    await page.locator('[data-version="2"]', { hasText: 'Set GREETING config var' }).waitFor();
    await page.locator('[data-version="3"]').waitFor();
    await eventually(async () => expect(await page.locator('[data-version="3"]').textContent()).toMatch(/current.*succeeded/), 60_000, 500);
    await screenshot(page, '11-releases');
    await page.getByRole('button', { name: 'Roll back to v1' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByText('This creates v4 with the code and config vars of v1').waitFor();
    expect(await dialog.textContent()).toContain('v2 — Set GREETING config var');
    await screenshot(page, '12-rollback-confirm');
    await dialog.getByRole('button', { name: 'Roll back to v1' }).click();
    await page.locator('[data-version="4"]', { hasText: 'Rollback to v1' }).waitFor();
    await eventually(async () => expect(await edgeBody()).toBe('hello world'), 60_000, 500);
    const view = await dev.context.newPage();
    await view.goto(webUrl());
    expect(await view.locator('body').textContent()).toBe('hello world');
    await view.close();
  });

  it('scales web to 2 on Resources with a live monthly estimate, refuses past the plan limit, and shows two dynos', async () => {
    await tab('Resources');
    const hobby = plans.find((p) => p.default)!;
    const estimate = page.getByTestId('estimate');
    await estimate.waitFor();
    expect(await estimate.textContent()).toContain(perMonth(hobby.price_per_month));
    await page.getByRole('button', { name: 'One more web' }).click();
    expect(await estimate.textContent()).toContain(perMonth(hobby.price_per_month * 2)); // before saving
    if (hobby.max_replicas === 2) expect(await page.getByRole('button', { name: 'One more web' }).isDisabled()).toBe(true);
    await page.getByLabel('web quantity').fill(String(hobby.max_replicas + 1));
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText(`allows at most ${hobby.max_replicas} per process type`).waitFor();
    await page.getByLabel('web quantity').fill('2');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByText('Scaled web to 2.').waitFor();
    await page.locator('[data-dyno="web.2"][data-state=up]').waitFor({ timeout: 60_000 });
    await page.locator('[data-dyno="web.1"][data-state=up]').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('dynos').locator('[data-dyno^="web."]').count()).toBe(2);
    await screenshot(page, '13-resources');
  });

  it('shows a line the app prints in the Logs tab within 2 seconds, as text; filters, pauses, downloads', async () => {
    await tab('Logs');
    const log = page.getByTestId('app-log');
    await page.getByText('● live').waitFor();
    const marker = `m${Date.now()}`;
    const t0 = Date.now();
    await edgeBody(`/log?m=${marker}`);
    await log.getByText(`marker ${marker}`).waitFor({ timeout: 2_000 });
    const ms = Date.now() - t0;
    report('dashboard log latency', `${ms} ms from the app printing a line to the Logs tab showing it`);
    expect(ms).toBeLessThan(2_000);
    expect(await log.getByText(`marker ${marker} ${XSS}`).count()).toBe(1);
    expect(await log.locator('img').count()).toBe(0);

    await page.getByLabel('Filter by text').fill(marker);
    await eventually(async () => expect(await log.locator('.log-line').count()).toBe(1), 5_000);
    await page.getByLabel('Filter by source').selectOption('platform');
    await eventually(async () => expect(await log.getByText(marker).count()).toBe(0), 5_000);
    await page.getByLabel('Filter by source').selectOption('app');
    await page.getByLabel('Filter by dyno').selectOption('web');
    await log.getByText(marker).waitFor();

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download' }).click()]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^${APP}-logs-.*\\.txt$`));
    const file = await download.path();
    const saved = await readFile(file, 'utf8');
    expect(saved).toContain(`marker ${marker}`);
    expect(saved.trim().split('\n')).toHaveLength(1); // what is shown, not everything

    await page.getByLabel('Filter by text').fill('marker');
    await page.getByRole('button', { name: 'Pause' }).click();
    const held = `h${Date.now()}`;
    await edgeBody(`/log?m=${held}`);
    await page.getByRole('button', { name: /Resume \(\d+ new\)/ }).waitFor({ timeout: 5_000 });
    expect(await log.getByText(held).count()).toBe(0);
    await page.getByRole('button', { name: /Resume/ }).click();
    await log.getByText(held).waitFor();
    await page.getByLabel('Filter by text').fill('');
    await page.getByLabel('Filter by dyno').selectOption('');
    await page.getByLabel('Filter by source').selectOption('');
    await screenshot(page, '14-logs');
  });

  it('manages custom domains with the DNS records to create', async () => {
    await tab('Domains');
    await page.getByLabel('Add a domain').fill('not a host');
    await page.getByRole('button', { name: 'Add domain' }).click();
    await page.getByText('That is not a valid hostname').waitFor();
    await page.getByLabel('Add a domain').fill('www.example.org');
    await page.getByRole('button', { name: 'Add domain' }).click();
    const row = page.locator('[data-hostname="www.example.org"]');
    await row.waitFor();
    expect(await row.getByTestId('dns-status').textContent()).toBe('Waiting for DNS');
    const records = (await row.locator('table tbody tr').allTextContents()).map((t) => t.replace(/Copy \w+ value/, ' '));
    expect(records[0]).toMatch(/^TXT_slipway-challenge\.www\.example\.orgslipway-verify=[0-9a-f]{32}/);
    expect(records[1]).toContain(`CNAMEwww.example.org${APP}.localhost`);
    await screenshot(page, '15-domains');
    await row.getByRole('button', { name: 'Remove www.example.org' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove domain' }).click();
    await row.waitFor({ state: 'detached' });
  });

  it('turns maintenance on in Settings and the edge answers with the 503 page', async () => {
    await tab('Settings');
    await page.getByRole('switch', { name: 'Turn maintenance on' }).click();
    await eventually(async () => expect(await page.getByTestId('maintenance-state').textContent()).toBe('on'), 5_000);
    await eventually(async () => expect((await viaEdge(stack.edgePort, host)).status).toBe(503), 30_000, 300);
    const view = await dev.context.newPage();
    const res = await view.goto(webUrl());
    expect(res?.status()).toBe(503);
    await screenshot(view, '16-maintenance-page');
    await view.close();
    await screenshot(page, '17-settings');
    await page.getByRole('switch', { name: 'Turn maintenance off' }).click();
    await eventually(async () => expect((await viaEdge(stack.edgePort, host)).status).toBe(200), 30_000, 300);

    await page.getByLabel('Health check path').fill('health');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('A path starting with “/”').waitFor();
    await page.getByLabel('Health check path').fill('/health');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByText('Saved.').waitFor();
    expect((await new ApiClient(stack.apiUrl, token).get(`/apps/${APP}`)).body.health_check_path).toBe('/health');
  });

  it('edits a config var (multi-line) and removes another, each making a release', async () => {
    await page.goto(`${stack.apiUrl}/app/${APP}/config`);
    await page.getByText('No config vars yet.').waitFor(); // the rollback to v1 brought back v1's (empty) config
    await page.getByLabel('Key', { exact: true }).fill('TEMP');
    await page.getByLabel('Value', { exact: true }).fill('1');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText('Saved TEMP.').waitFor();
    await page.getByLabel('Key', { exact: true }).fill('SECRET_TOKEN');
    await page.getByLabel('Value', { exact: true }).fill('first');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText('Saved SECRET_TOKEN.').waitFor();
    await page.getByRole('button', { name: 'Edit SECRET_TOKEN' }).click();
    await page.getByLabel('Value of SECRET_TOKEN').fill('s3cret-value\nsecond line');
    await page.locator('[data-key=SECRET_TOKEN]').getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved SECRET_TOKEN. A new release').waitFor();
    await page.getByRole('button', { name: 'Reveal SECRET_TOKEN' }).click();
    expect(await page.locator('[data-key=SECRET_TOKEN]').getByTestId('config-value').textContent()).toBe('s3cret-value\nsecond line');
    await page.getByRole('button', { name: 'Delete TEMP' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('creates a new release and restarts');
    await dialog.getByRole('button', { name: 'Remove' }).click();
    await page.getByText('Removed TEMP.').waitFor();
    await page.locator('[data-key=TEMP]').waitFor({ state: 'detached' });
    await tab('Releases');
    await page.locator('[data-version="8"]', { hasText: 'Remove TEMP config var' }).waitFor();
    await screenshot(page, '18-releases-after-config-changes');
  });

  it('invites a member, makes them a viewer; the viewer sees the app but cannot change config, scale or delete', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Members' }).click();
    await page.getByLabel('Email').fill('nobody@example.com');
    await page.getByRole('button', { name: 'Invite' }).click();
    await page.getByText('There is no Slipway account for nobody@example.com').waitFor(); // the API's words, where the user acted
    await page.getByLabel('Email').fill(VIEWER);
    await page.getByRole('button', { name: 'Invite' }).click();
    const row = page.locator(`[data-email="${VIEWER}"]`);
    await row.waitFor();
    await row.getByLabel(`Role of ${VIEWER}`).selectOption('viewer');
    await eventually(async () => expect(await row.getByLabel(`Role of ${VIEWER}`).inputValue()).toBe('viewer'), 5_000);
    await page.reload();
    expect(await page.locator(`[data-email="${VIEWER}"]`).getByLabel(`Role of ${VIEWER}`).inputValue()).toBe('viewer');
    await screenshot(page, '18-members');

    const viewer = await openPage(browser);
    const v = viewer.page;
    try {
      await signIn(v, stack.apiUrl, VIEWER, PASSWORD);
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
    await page.locator(`[data-email="${VIEWER}"]`).getByRole('button', { name: `Remove ${VIEWER}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove member' }).click();
    await page.locator(`[data-email="${VIEWER}"]`).waitFor({ state: 'detached' });
  });

  it('renames an app and deletes it after the name is typed', async () => {
    await page.goto(`${stack.apiUrl}/new-app`);
    await page.getByLabel('App name').fill(APP);
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.getByRole('alert').getByText(`Name ${APP} is already taken.`).waitFor(); // the API's 409, on the form
    await page.getByLabel('App name').fill('scratch-app');
    await page.getByRole('button', { name: 'Create app' }).click();
    await page.getByRole('link', { name: 'Go to scratch-app' }).click();
    await tab('Settings');
    await page.getByLabel('App name').fill('scratch-two');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.waitForURL(/\/app\/scratch-two\/settings$/);
    await page.getByRole('button', { name: 'Delete scratch-two…' }).click();
    const dialog = page.getByRole('dialog');
    const confirm = dialog.getByRole('button', { name: 'Delete this app' });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('Type the name to confirm').fill('scratch-tw');
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByLabel('Type the name to confirm').fill('scratch-two');
    await screenshot(page, '22-delete-confirm');
    await confirm.click();
    await page.locator('#apps-title').waitFor();
    await page.locator(`[data-app="${APP}"]`).waitFor();
    expect(await page.locator('[data-app="scratch-two"]').count()).toBe(0);
  });

  it('lists apps with status, plan and web URL; search with markup renders as text', async () => {
    const row = page.locator(`[data-app="${APP}"]`);
    await row.locator('[data-status=running]').waitFor({ timeout: 60_000 }); // the last config change redeployed it
    expect(await row.textContent()).toContain(`${APP}.localhost:${stack.edgePort}`);
    await screenshot(page, '23-apps-list');
    await page.getByLabel('Search apps').fill(XSS);
    await page.getByText(`No app matches “${XSS}”.`).waitFor();
    expect(await page.locator('img').count()).toBe(0);
    await page.getByLabel('Search apps').fill('web');
    await row.waitFor();
  });

  it('shows the public Plans page with hourly and monthly prices', async () => {
    const anon = await openPage(browser);
    try {
      await anon.page.goto(`${stack.apiUrl}/plans`);
      for (const p of plans) {
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
    const devApi = new ApiClient(stack.apiUrl, token);
    const app = (await devApi.get(`/apps/${APP}`)).body;
    const credit = await stack.admin.post(`/api/v1/admin/organizations/${app.organization.id}/credits`, { amount: 25_000_000, note: 'Welcome credit' });
    expect(credit.status, credit.text).toBe(201);
    const hour = await dbHourUs(stack.db.pool);
    await recordEvents(stack.db.pool, { id: app.id, orgId: app.organization.id, name: APP, planId: app.plan.id }, [
      { atUs: hour - 30n * US_PER_HOUR + 1_234_567n, type: 'web', quantity: 1, pricePerHour: app.plan.price_per_hour },
      { atUs: hour - 14n * US_PER_HOUR, type: 'web', quantity: 2, pricePerHour: app.plan.price_per_hour },
    ]);
    const run = await stack.admin.post('/api/v1/admin/billing/run', {});
    expect(run.status, run.text).toBe(200);
    const wallet = (await devApi.get(`/api/v1/organizations/${app.organization.id}/wallet`)).body;
    expect(wallet.balance).toBeLessThan(25_000_000);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Billing' }).click();
    await page.getByRole('heading', { name: 'Wallet' }).waitFor();
    await eventually(async () => expect(await page.getByTestId('balance').textContent()).toBe(formatMoney(wallet.balance)), 10_000);
    expect(await page.getByTestId('burn-rate').textContent()).toBe(perHour(wallet.burn_rate_per_hour));
    await page.getByTestId('usage').getByText(APP).waitFor();
    await page.locator('[data-testid=usage-chart] canvas').first().waitFor();
    const ledger = page.getByTestId('ledger');
    await ledger.getByText('+$25.00').waitFor();
    expect(await ledger.locator('.badge-ledger-charge').count()).toBeGreaterThanOrEqual(30);
    expect(await ledger.textContent()).toContain(APP);
    await screenshot(page, '25-billing');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download ledger (CSV)' }).click()]);
    const csv = await readFile(await download.path(), 'utf8');
    expect(csv.split('\r\n')[0]).toMatch(/^id,created_at,kind,amount/);
    expect(csv).toContain('Welcome credit');
  });

  it('works at phone width and from the keyboard', async () => {
    const phone = await openPage(browser, { width: 390, height: 844 });
    const p = phone.page;
    try {
      await p.goto(`${stack.apiUrl}/login`);
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
    expect(dev.dialogs).toEqual([]);
    expect(dev.errors).toEqual([]);
    expect(dev.cspViolations).toEqual([]);
  });

  it('is sent with a content security policy that forbids framing, nosniff and no referrer', async () => {
    const res = await fetch(`${stack.apiUrl}/`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    // an inline script is refused by the browser under that policy
    const probe = await openPage(browser);
    try {
      await probe.page.goto(`${stack.apiUrl}/login`);
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
    await page.goto(`${stack.apiUrl}/`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/login$/);
    await page.goto(`${stack.apiUrl}/app/${APP}/config`);
    await page.waitForURL(/\/login\?next=%2Fapp%2Fweb-demo%2Fconfig$/);
    expect(await page.evaluate(() => fetch('/api/v1/session').then((r) => r.status))).toBe(401);
  });
});
