// The dashboard over the api's TLS port, in Debian's chromium trusting Slipway's private CA through
// its own NSS database (no certificate errors ignored): signing in sets a Secure session cookie, and
// the Domains tab shows, in words, what is wrong with three domains checked against a real DNS
// server and Pebble — a wrong TXT value, a missing record (NXDOMAIN) and an ACME failure.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { requireEnv } from '@slipway/core/testing/test-env';
import { startStack, type Stack } from '../support/stack.js';
import { ApiClient } from '../support/client.js';
import { freePort } from '@slipway/core/testing/free-port';
import { eventually } from '../support/wait.js';
import { acmeEnv, setRecords } from '../support/acme-env.js';
import { CHROMIUM_ARGS, screenshot, signIn } from './support/browser.js';

const EMAIL = 'tabs@example.com';
const PASSWORD = 'correct horse battery';
let stack: Stack;
let dev: ApiClient;
let browser: Browser;
let page: Page;
let apiTls: number;

/** A HOME whose NSS database trusts `caFile` as a CA (chromium on Linux reads $HOME/.pki/nssdb). */
async function homeTrusting(caFile: string): Promise<string> {
  const home = await mkdtemp(path.join(requireEnv('SLIPWAY_TEST_SCRATCH'), 'chromium-home-'));
  const db = path.join(home, '.pki', 'nssdb');
  await mkdir(db, { recursive: true });
  for (const args of [['-N', '--empty-password'], ['-A', '-t', 'C,,', '-n', 'slipway-platform-ca', '-i', caFile]]) {
    const r = spawnSync('certutil', ['-d', `sql:${db}`, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`certutil ${args[0]}: ${r.stderr}`);
  }
  return home;
}

beforeAll(async () => {
  const env = acmeEnv();
  apiTls = await freePort();
  stack = await startStack({
    SLIPWAY_EDGE_PORT: String(env.edgePort),
    SLIPWAY_EDGE_TLS_PORT: String(await freePort()),
    SLIPWAY_API_TLS_PORT: String(apiTls),
    NODE_EXTRA_CA_CERTS: env.pebbleTlsCaFile,
    SLIPWAY_ACME_DIRECTORY_URL: env.directoryUrl,
    SLIPWAY_DNS_RESOLVER: env.dnsResolver,
  });
  dev = await ApiClient.signUp(stack.apiUrl, EMAIL, PASSWORD);
  expect((await dev.post('/apps', { name: 'tabs' })).status).toBe(201);
  const home = await homeTrusting(path.join(stack.dataDir, 'ca', 'ca.crt'));
  browser = await chromium.launch({ executablePath: process.env.SLIPWAY_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, env: { ...process.env, HOME: home }, timeout: 60_000 });
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  page.setDefaultTimeout(20_000);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('the dashboard over HTTPS', () => {
  it('signs in over the api TLS port with a Secure session cookie', async () => {
    const base = `https://localhost:${apiTls}`;
    await signIn(page, base, EMAIL, PASSWORD);
    const cookie = (await page.context().cookies(base)).find((c) => c.httpOnly);
    expect(cookie).toMatchObject({ secure: true, httpOnly: true });
    expect(page.url()).toMatch(new RegExp(`^https://localhost:${apiTls}/`));
  });

  it('shows a wrong TXT value, an NXDOMAIN and an ACME failure in the Domains tab', async () => {
    const add = async (host: string) => (await dev.post('/apps/tabs/domains', { hostname: host })).body;
    const wrong = await add('wrong.tabs.test');
    await setRecords('_slipway-challenge.wrong.tabs.test', { TXT: ['slipway-verify=stale'] });
    await add('missing.tabs.test');
    const refused = await add('refused.tabs.test');
    await setRecords('refused.tabs.test', { A: ['127.0.0.2'] });
    await setRecords('_slipway-challenge.refused.tabs.test', { TXT: [refused.verification.records[0].value] });
    for (const h of ['wrong', 'refused']) await dev.post(`/apps/tabs/domains/${h}.tabs.test/verify`);
    await eventually(async () => expect((await dev.get('/apps/tabs/domains/refused.tabs.test')).body.acm_status).toBe('failing'), 60_000, 500);

    await page.goto(`https://localhost:${apiTls}/app/tabs/domains`);
    const row = (h: string) => page.locator(`li[data-hostname="${h}"]`);
    await expect.poll(() => row('wrong.tabs.test').getByTestId('dns-message').textContent(), { timeout: 30_000 }).toContain(
      `has the wrong value: found "slipway-verify=stale", expected "${wrong.verification.records[0].value}"`,
    );
    expect(await row('wrong.tabs.test').getByTestId('dns-status').textContent()).toBe('Waiting for DNS');
    expect(await row('wrong.tabs.test').locator('table').textContent()).toContain('_slipway-challenge.wrong.tabs.test');
    expect(await row('missing.tabs.test').getByTestId('dns-message').textContent()).toContain('_slipway-challenge.missing.tabs.test does not exist (NXDOMAIN)');
    expect(await row('refused.tabs.test').getByTestId('dns-status').textContent()).toBe('Verified');
    expect(await row('refused.tabs.test').getByTestId('tls-status').textContent()).toBe('HTTPS: Certificate order failing');
    expect(await row('refused.tabs.test').getByTestId('tls-message').textContent()).toMatch(/^The certificate order failed: .*connection refused/i);
    await screenshot(page, 'domains-tls');
  });
});
