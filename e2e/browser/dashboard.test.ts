// The dashboard in a real browser (Debian's chromium via playwright-core) against the whole
// platform started as real processes (api, worker, nginx edge): a developer signs in, creates an
// organization, a token and an app, pushes with the real git client while watching the build log
// live, then configures, rolls back, scales, reads logs, turns maintenance on, invites a viewer —
// and every piece of markup it injects stays text. Screenshots of each tab land under
// $SLIPWAY_TEST_OUTPUT/screenshots.
// The later steps (members, deleting, the public pages, billing, phone width, headers, sign-out)
// are in dashboard-team.steps.ts; what the steps share is in support/dashboard-world.ts.
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireEnv } from '@slipway/core/testing/test-env';
import { ApiClient } from '../support/client.js';
import { viaEdge } from '../support/git.js';
import { eventually, report } from '../support/wait.js';
import { screenshot, signIn } from './support/browser.js';
import { APP, DEV, ORG, PASSWORD, XSS, edgeBody, host, setUp, tab, tearDown, w, webUrl } from './support/dashboard-world.js';
import { teamSteps } from './dashboard-team.steps.js';
import { perHour, perMonth } from '../../client/src/lib/money.js';

beforeAll(setUp);
afterAll(tearDown);

describe('the dashboard', () => {
  it('signs in; the empty apps list explains how to create the first app', async () => {
    await w.page.goto(`${w.stack.apiUrl}/`);
    await w.page.waitForURL(/\/login\?next=/);
    await screenshot(w.page, '00-sign-in');
    // a wrong password is answered where the user acted
    await w.page.getByLabel('Email').fill(DEV);
    await w.page.getByLabel('Password').fill('not the password');
    await w.page.getByRole('button', { name: 'Sign in' }).click();
    await w.page.getByRole('alert').waitFor();
    expect(await w.page.getByRole('alert').textContent()).toMatch(/password|credentials|invalid/i);
    await signIn(w.page, w.stack.apiUrl, DEV, PASSWORD);
    await w.page.getByText('No apps yet').waitFor();
    expect(await w.page.getByRole('link', { name: 'Create your first app' }).isVisible()).toBe(true);
    await screenshot(w.page, '01-apps-empty');
  });

  it('creates an organization and an API token that is shown once (Account page)', async () => {
    await w.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    await w.page.getByLabel('New organization name').fill(ORG);
    await w.page.getByRole('button', { name: 'Create organization' }).click();
    await w.page.getByText(`Created ${ORG}; it is now selected.`).waitFor();
    await eventually(async () => expect(await w.page.getByTestId('org-switcher').locator('option:checked').textContent()).toBe(ORG), 5_000);

    await w.page.getByLabel('Description').fill('browser push');
    await w.page.getByRole('button', { name: 'Create token' }).click();
    w.token = (await w.page.getByTestId('new-token').locator('code').textContent()) ?? '';
    expect(w.token).toMatch(/^slw/);
    await screenshot(w.page, '02-account-token-once');
    await w.page.getByRole('button', { name: 'I have copied it' }).click();
    expect(await w.page.getByText(w.token).count()).toBe(0);
    await w.page.getByTestId('tokens').getByText('browser push').waitFor();

    await w.page.getByLabel('Add a public key').fill('not a key');
    await w.page.getByRole('button', { name: 'Add key' }).click();
    await w.page.getByText('Paste the contents of a .pub file').waitFor();
    const dir = await mkdtemp(path.join(requireEnv('SLIPWAY_TEST_SCRATCH'), 'key-'));
    expect(spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'dev@browser', '-f', path.join(dir, 'id')]).status).toBe(0);
    await w.page.getByLabel('Add a public key').fill(await readFile(path.join(dir, 'id.pub'), 'utf8'));
    await w.page.getByRole('button', { name: 'Add key' }).click();
    await w.page.getByTestId('ssh-keys').getByText('dev@browser').waitFor();
    expect(await w.page.getByTestId('ssh-keys').textContent()).toMatch(/SHA256:/);
    await screenshot(w.page, '02-account');
  });

  it('creates an app with live name validation and plan prices, then shows the git instructions', async () => {
    await w.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Apps' }).click();
    await w.page.getByRole('link', { name: 'Create your first app' }).click();
    const name = w.page.getByLabel('App name');
    const submit = w.page.getByRole('button', { name: 'Create app' });
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
      expect(await w.page.locator('#name-help').textContent()).toMatch(message);
      expect(await submit.isDisabled()).toBe(true);
    }
    expect(await w.page.locator('img').count()).toBe(0);
    await name.fill(APP);
    expect(await w.page.locator('#name-help').textContent()).toBe('Looks good.');

    // every plan with its hourly and monthly price, exactly as the API prices it
    for (const p of w.plans) {
      const option = w.page.locator(`.plan-option[data-plan="${p.name}"]`);
      const text = (await option.textContent()) ?? '';
      expect(text).toContain(perHour(p.price_per_hour));
      expect(text).toContain(perMonth(p.price_per_month));
    }
    const hobby = w.plans.find((p) => p.default)!;
    expect(perHour(hobby.price_per_hour)).toMatch(/^\$\d+\.\d{2,6}\/h$/);
    await screenshot(w.page, '03-create-app');
    await submit.click();

    await w.page.getByRole('heading', { name: `${APP} is ready for code` }).waitFor();
    w.gitUrl = (await w.page.getByTestId('git-url').textContent()) ?? '';
    expect(w.gitUrl).toBe(`${w.stack.apiUrl}/${APP}.git`);
    expect(await w.page.getByText(`git remote add slipway ${w.gitUrl}`).count()).toBe(1);
    await w.page.getByRole('radio', { name: 'SSH' }).click();
    expect(await w.page.getByTestId('git-ssh-url').textContent()).toBe(`ssh://git@127.0.0.1:${w.stack.sshPort}/${APP}.git`);
    await screenshot(w.page, '04-create-app-git-instructions');
    await w.page.getByRole('radio', { name: 'HTTPS' }).click();
  });

  it('shows the build log live on the Deploy tab while git push runs, then the app runs at its web URL', async () => {
    await w.page.getByRole('link', { name: `Go to ${APP}` }).click();
    await w.page.getByText('No builds yet.').waitFor();
    await screenshot(w.page, '05-deploy-before-push');

    let pushDone = false;
    const pushing = w.wc.push(w.gitUrl, w.token).finally(() => (pushDone = true));
    const log = w.page.getByTestId('build-log');
    await log.getByText('-----> Compiling').waitFor({ timeout: 120_000 });
    const liveWhilePushing = !pushDone;
    await w.page.locator('[data-stage=Compiling][data-state=current], [data-stage=Compiling][data-state=done]').first().waitFor();
    await screenshot(w.page, '06-deploy-building');
    const push = await pushing;
    expect(push.code, push.output).toBe(0);
    expect(liveWhilePushing, 'the build log showed up before git push returned').toBe(true);

    await w.page.locator('[data-stage=Launching][data-state=done]').waitFor({ timeout: 120_000 });
    await w.page.locator('.app-head [data-status=running]').waitFor({ timeout: 60_000 });
    const text = (await log.textContent()) ?? '';
    for (const stage of ['Fetching', 'Detecting', 'Compiling', 'Releasing', 'Launching']) expect(text).toContain(`-----> ${stage}`);
    // markup printed by the build is text; its ANSI colour became a styled span
    expect(text).toContain(`build says ${XSS}`);
    expect(await log.locator('img').count()).toBe(0);
    expect(await log.locator('span[style*="color"]', { hasText: 'build says' }).count()).toBe(1);
    await screenshot(w.page, '07-deploy-succeeded');

    await tab('Overview');
    await w.page.locator(`[data-dyno="web.1"][data-state=up]`).waitFor({ timeout: 60_000 });
    expect(await w.page.getByTestId('web-url').textContent()).toBe(webUrl());
    await screenshot(w.page, '08-overview');
    const [opened] = await Promise.all([w.dev.context.waitForEvent('page'), w.page.getByRole('link', { name: 'Open app ↗' }).click()]);
    await opened.waitForLoadState();
    expect(await opened.locator('body').textContent()).toBe('hello world');
    await screenshot(opened, '09-app-web-url');
    await opened.close();
  });

  it('sets config vars in the page (a new release), and rolls back from the Releases tab to the old body', async () => {
    await tab('Config vars');
    await w.page.getByText('Each save creates a new release').waitFor();
    await w.page.getByLabel('Key', { exact: true }).fill('greeting');
    await w.page.getByLabel('Value', { exact: true }).fill('browser');
    await w.page.getByRole('button', { name: 'Add', exact: true }).click();
    await w.page.getByText('Saved GREETING. A new release was created').waitFor();
    // a multi-line value carrying markup
    await w.page.getByLabel('Key', { exact: true }).fill('NOTE');
    await w.page.getByLabel('Value', { exact: true }).fill(`line one\n${XSS}`);
    await w.page.getByRole('button', { name: 'Add', exact: true }).click();
    await w.page.getByText('Saved NOTE.').waitFor();
    const row = w.page.locator('[data-key=GREETING]');
    expect(await row.getByTestId('config-value').textContent()).toBe('••••••••');
    await row.getByRole('button', { name: 'Reveal GREETING' }).click();
    expect(await row.getByTestId('config-value').textContent()).toBe('browser');
    await w.page.locator('[data-key=NOTE]').getByRole('button', { name: 'Reveal NOTE' }).click();
    expect(await w.page.locator('[data-key=NOTE]').getByTestId('config-value').textContent()).toBe(`line one\n${XSS}`);
    expect(await w.page.locator('img').count()).toBe(0);
    await screenshot(w.page, '10-config-vars');
    await eventually(async () => expect(await edgeBody()).toBe('hello browser'), 60_000, 500);

    await tab('Releases');
    await w.page.locator('[data-version="2"]', { hasText: 'Set GREETING config var' }).waitFor();
    await w.page.locator('[data-version="3"]').waitFor();
    await eventually(async () => expect(await w.page.locator('[data-version="3"]').textContent()).toMatch(/current.*succeeded/), 60_000, 500);
    await screenshot(w.page, '11-releases');
    await w.page.getByRole('button', { name: 'Roll back to v1' }).click();
    const dialog = w.page.getByRole('dialog');
    await dialog.getByText('This creates v4 with the code and config vars of v1').waitFor();
    expect(await dialog.textContent()).toContain('v2 — Set GREETING config var');
    await screenshot(w.page, '12-rollback-confirm');
    await dialog.getByRole('button', { name: 'Roll back to v1' }).click();
    await w.page.locator('[data-version="4"]', { hasText: 'Rollback to v1' }).waitFor();
    await eventually(async () => expect(await edgeBody()).toBe('hello world'), 60_000, 500);
    const view = await w.dev.context.newPage();
    await view.goto(webUrl());
    expect(await view.locator('body').textContent()).toBe('hello world');
    await view.close();
  });

  it('scales web to 2 on Resources with a live monthly estimate, refuses past the plan limit, and shows two dynos', async () => {
    await tab('Resources');
    const hobby = w.plans.find((p) => p.default)!;
    const estimate = w.page.getByTestId('estimate');
    await estimate.waitFor();
    expect(await estimate.textContent()).toContain(perMonth(hobby.price_per_month));
    await w.page.getByRole('button', { name: 'One more web' }).click();
    expect(await estimate.textContent()).toContain(perMonth(hobby.price_per_month * 2)); // before saving
    if (hobby.max_replicas === 2) expect(await w.page.getByRole('button', { name: 'One more web' }).isDisabled()).toBe(true);
    await w.page.getByLabel('web quantity').fill(String(hobby.max_replicas + 1));
    await w.page.getByRole('button', { name: 'Save changes' }).click();
    await w.page.getByText(`allows at most ${hobby.max_replicas} per process type`).waitFor();
    await w.page.getByLabel('web quantity').fill('2');
    await w.page.getByRole('button', { name: 'Save changes' }).click();
    await w.page.getByText('Scaled web to 2.').waitFor();
    await w.page.locator('[data-dyno="web.2"][data-state=up]').waitFor({ timeout: 60_000 });
    await w.page.locator('[data-dyno="web.1"][data-state=up]').waitFor({ timeout: 60_000 });
    expect(await w.page.getByTestId('dynos').locator('[data-dyno^="web."]').count()).toBe(2);
    await screenshot(w.page, '13-resources');
  });

  it('shows a line the app prints in the Logs tab within 2 seconds, as text; filters, pauses, downloads', async () => {
    await tab('Logs');
    const log = w.page.getByTestId('app-log');
    await w.page.getByText('● live').waitFor();
    const marker = `m${Date.now()}`;
    const t0 = Date.now();
    await edgeBody(`/log?m=${marker}`);
    await log.getByText(`marker ${marker}`).waitFor({ timeout: 2_000 });
    const ms = Date.now() - t0;
    report('dashboard log latency', `${ms} ms from the app printing a line to the Logs tab showing it`);
    expect(ms).toBeLessThan(2_000);
    expect(await log.getByText(`marker ${marker} ${XSS}`).count()).toBe(1);
    expect(await log.locator('img').count()).toBe(0);

    await w.page.getByLabel('Filter by text').fill(marker);
    await eventually(async () => expect(await log.locator('.log-line').count()).toBe(1), 5_000);
    await w.page.getByLabel('Filter by source').selectOption('platform');
    await eventually(async () => expect(await log.getByText(marker).count()).toBe(0), 5_000);
    await w.page.getByLabel('Filter by source').selectOption('app');
    await w.page.getByLabel('Filter by dyno').selectOption('web');
    await log.getByText(marker).waitFor();

    const [download] = await Promise.all([w.page.waitForEvent('download'), w.page.getByRole('button', { name: 'Download' }).click()]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^${APP}-logs-.*\\.txt$`));
    const file = await download.path();
    const saved = await readFile(file, 'utf8');
    expect(saved).toContain(`marker ${marker}`);
    expect(saved.trim().split('\n')).toHaveLength(1); // what is shown, not everything

    await w.page.getByLabel('Filter by text').fill('marker');
    await w.page.getByRole('button', { name: 'Pause' }).click();
    const held = `h${Date.now()}`;
    await edgeBody(`/log?m=${held}`);
    await w.page.getByRole('button', { name: /Resume \(\d+ new\)/ }).waitFor({ timeout: 5_000 });
    expect(await log.getByText(held).count()).toBe(0);
    await w.page.getByRole('button', { name: /Resume/ }).click();
    await log.getByText(held).waitFor();
    await w.page.getByLabel('Filter by text').fill('');
    await w.page.getByLabel('Filter by dyno').selectOption('');
    await w.page.getByLabel('Filter by source').selectOption('');
    await screenshot(w.page, '14-logs');
  });

  it('manages custom domains with the DNS records to create', async () => {
    await tab('Domains');
    await w.page.getByLabel('Add a domain').fill('not a host');
    await w.page.getByRole('button', { name: 'Add domain' }).click();
    await w.page.getByText('That is not a valid hostname').waitFor();
    await w.page.getByLabel('Add a domain').fill('www.example.org');
    await w.page.getByRole('button', { name: 'Add domain' }).click();
    const row = w.page.locator('[data-hostname="www.example.org"]');
    await row.waitFor();
    expect(await row.getByTestId('dns-status').textContent()).toBe('Waiting for DNS');
    const records = (await row.locator('table tbody tr').allTextContents()).map((t) => t.replace(/Copy \w+ value/, ' '));
    expect(records[0]).toMatch(/^TXT_slipway-challenge\.www\.example\.orgslipway-verify=[0-9a-f]{32}/);
    expect(records[1]).toContain(`CNAMEwww.example.org${APP}.localhost`);
    await screenshot(w.page, '15-domains');
    await row.getByRole('button', { name: 'Remove www.example.org' }).click();
    await w.page.getByRole('dialog').getByRole('button', { name: 'Remove domain' }).click();
    await row.waitFor({ state: 'detached' });
  });

  it('turns maintenance on in Settings and the edge answers with the 503 page', async () => {
    await tab('Settings');
    await w.page.getByRole('switch', { name: 'Turn maintenance on' }).click();
    await eventually(async () => expect(await w.page.getByTestId('maintenance-state').textContent()).toBe('on'), 5_000);
    await eventually(async () => expect((await viaEdge(w.stack.edgePort, host)).status).toBe(503), 30_000, 300);
    const view = await w.dev.context.newPage();
    const res = await view.goto(webUrl());
    expect(res?.status()).toBe(503);
    await screenshot(view, '16-maintenance-page');
    await view.close();
    await screenshot(w.page, '17-settings');
    await w.page.getByRole('switch', { name: 'Turn maintenance off' }).click();
    await eventually(async () => expect((await viaEdge(w.stack.edgePort, host)).status).toBe(200), 30_000, 300);

    await w.page.getByLabel('Health check path').fill('health');
    await w.page.getByRole('button', { name: 'Save', exact: true }).click();
    await w.page.getByText('A path starting with “/”').waitFor();
    await w.page.getByLabel('Health check path').fill('/health');
    await w.page.getByRole('button', { name: 'Save', exact: true }).click();
    await w.page.getByText('Saved.').waitFor();
    expect((await new ApiClient(w.stack.apiUrl, w.token).get(`/apps/${APP}`)).body.health_check_path).toBe('/health');
  });

  it('edits a config var (multi-line) and removes another, each making a release', async () => {
    await w.page.goto(`${w.stack.apiUrl}/app/${APP}/config`);
    await w.page.getByText('No config vars yet.').waitFor(); // the rollback to v1 brought back v1's (empty) config
    await w.page.getByLabel('Key', { exact: true }).fill('TEMP');
    await w.page.getByLabel('Value', { exact: true }).fill('1');
    await w.page.getByRole('button', { name: 'Add', exact: true }).click();
    await w.page.getByText('Saved TEMP.').waitFor();
    await w.page.getByLabel('Key', { exact: true }).fill('SECRET_TOKEN');
    await w.page.getByLabel('Value', { exact: true }).fill('first');
    await w.page.getByRole('button', { name: 'Add', exact: true }).click();
    await w.page.getByText('Saved SECRET_TOKEN.').waitFor();
    await w.page.getByRole('button', { name: 'Edit SECRET_TOKEN' }).click();
    await w.page.getByLabel('Value of SECRET_TOKEN').fill('s3cret-value\nsecond line');
    await w.page.locator('[data-key=SECRET_TOKEN]').getByRole('button', { name: 'Save' }).click();
    await w.page.getByText('Saved SECRET_TOKEN. A new release').waitFor();
    await w.page.getByRole('button', { name: 'Reveal SECRET_TOKEN' }).click();
    expect(await w.page.locator('[data-key=SECRET_TOKEN]').getByTestId('config-value').textContent()).toBe('s3cret-value\nsecond line');
    await w.page.getByRole('button', { name: 'Delete TEMP' }).click();
    const dialog = w.page.getByRole('dialog');
    expect(await dialog.textContent()).toContain('creates a new release and restarts');
    await dialog.getByRole('button', { name: 'Remove' }).click();
    await w.page.getByText('Removed TEMP.').waitFor();
    await w.page.locator('[data-key=TEMP]').waitFor({ state: 'detached' });
    await tab('Releases');
    await w.page.locator('[data-version="8"]', { hasText: 'Remove TEMP config var' }).waitFor();
    await screenshot(w.page, '18-releases-after-config-changes');
  });

  teamSteps();
});
