// Browser-tier support: Debian's chromium driven by playwright-core (no browser downloads), a
// screenshot helper writing under $SLIPWAY_TEST_OUTPUT/screenshots, a watch on JavaScript
// dialogs (an alert() from injected markup would be a failed escape) and on what the page's
// Content-Security-Policy blocked (the dashboard must work under its own policy).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** A fresh browser: playwright gives every launch its own new temporary profile directory. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.SLIPWAY_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, timeout: 60_000 });
}

export interface Watched {
  page: Page;
  context: BrowserContext;
  /** Messages of JavaScript dialogs that opened (alert/confirm/prompt): should stay empty. */
  dialogs: string[];
  /** Uncaught page errors. */
  errors: string[];
  /** What the Content-Security-Policy refused (the browser's console reports). */
  cspViolations: string[];
}

export async function openPage(browser: Browser, viewport = { width: 1280, height: 900 }): Promise<Watched> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const dialogs: string[] = [];
  const errors: string[] = [];
  const cspViolations: string[] = [];
  // every page of the context, including tabs the app opens
  context.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss().catch(() => {});
  });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
  });
  return { page, context, dialogs, errors, cspViolations };
}

const shotDir = () => path.join(process.env.SLIPWAY_TEST_OUTPUT ?? path.resolve('test-output'), 'screenshots');

/** Saves a full-page PNG named <name>.png under the test output's screenshots folder. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = shotDir();
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export async function signIn(page: Page, baseUrl: string, email: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#apps-title').waitFor();
}
