// What the dashboard's browser walk-through shares across its steps (dashboard.test.ts and
// dashboard-team.steps.ts): the fixture app, the accounts, the stack, the browser and the page
// the developer works in, and what earlier steps learned (the token, the git URL, the plans).
// Promises: setUp starts one stack and one browser; tearDown stops both, whatever ran.
// Leaves out: the steps themselves.
import type { Browser, Page } from 'playwright-core';
import { startStack, type Stack } from '../../support/stack.js';
import { ApiClient } from '../../support/client.js';
import { WorkingCopy, viaEdge } from '../../support/git.js';
import { launchBrowser, openPage, type Watched } from './browser.js';

export const XSS = '<img src=x onerror=alert(1)>';
export const PASSWORD = 'correct horse battery';
export const DEV = 'dev@example.com';
export const VIEWER = 'viewer@example.com';
export const ORG = 'acme-web';
export const APP = 'web-demo';

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

interface World {
  stack: Stack;
  browser: Browser;
  dev: Watched;
  page: Page;
  wc: WorkingCopy;
  token: string;
  gitUrl: string;
  plans: { name: string; price_per_hour: number; price_per_month: number; max_replicas: number; default: boolean }[];
}

export const w = { token: '', gitUrl: '', plans: [] } as unknown as World;

export const host = `${APP}.localhost`;
export const webUrl = () => `http://${host}:${w.stack.edgePort}/`;
export const edgeBody = async (p = '/') => (await viaEdge(w.stack.edgePort, host, p)).body;
export const tab = (name: string) => w.page.locator('nav.tabs').getByRole('link', { name, exact: true }).click();

export async function setUp(): Promise<void> {
  w.stack = await startStack();
  await ApiClient.signUp(w.stack.apiUrl, DEV, PASSWORD);
  await ApiClient.signUp(w.stack.apiUrl, VIEWER, PASSWORD);
  w.plans = (await w.stack.admin.get('/api/v1/plans')).body;
  w.wc = await WorkingCopy.create({ fixture: 'node-app', files: { 'build.js': BUILD_JS, 'server.js': SERVER_JS } });
  w.browser = await launchBrowser();
  w.dev = await openPage(w.browser);
  w.page = w.dev.page;
}

export async function tearDown(): Promise<void> {
  await w.browser?.close();
  await w.stack?.stop();
}
