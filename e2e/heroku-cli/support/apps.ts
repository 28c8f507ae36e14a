// Test support: apps for the heroku-cli tier, made quickly — a Procfile app (python3's http.server
// for web, a ticking worker, a release phase) needs no package manager, so its build takes a second.
import { inject } from 'vitest';
import { ApiClient } from '../../support/client.js';
import { WorkingCopy } from '../../support/git.js';
import { readSse } from '../../support/sse.js';
import type { CliUser } from './global-setup.js';

export const PROCFILE_APP: Record<string, string> = {
  Procfile: 'web: python3 -m http.server $PORT --bind 0.0.0.0 --directory public\nworker: python3 -u worker.py\nrelease: echo release phase for $DYNO\n',
  'public/index.html': '<h1>hello from the cli tier</h1>\n',
  'worker.py': 'import time\nn = 0\nwhile True:\n    n += 1\n    print(f"worker tick {n}", flush=True)\n    time.sleep(0.5)\n',
};

export function api(user: CliUser): ApiClient {
  return new ApiClient(inject('cli').apiUrl, user.token);
}

/** Waits (polling the API, which is cheaper than the CLI) until the app's dynos satisfy `ok`. */
export async function waitForDynos(user: CliUser, app: string, ok: (dynos: { name: string; state: string; size: string }[]) => boolean, timeoutMs = 90_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    const r = await api(user).get(`/apps/${app}/dynos`);
    last = r.body;
    if (r.status === 200 && ok(r.body)) return;
    if (Date.now() > end) throw new Error(`dynos of ${app} did not get there: ${JSON.stringify(last)}`);
    await new Promise((res) => setTimeout(res, 500));
  }
}

/** The app's recent log lines (one dyno's, if given), through the API's log session. */
export async function logLines(user: CliUser, app: string, dyno?: string): Promise<string[]> {
  const session = await api(user).post(`/apps/${app}/log-sessions`, { lines: 500, ...(dyno ? { dyno } : {}) });
  // the URL names the api's HTTPS port; this test process reads it over plain HTTP
  const url = new URL(session.body.logplex_url);
  return (await readSse(`${inject('cli').apiUrl}${url.pathname}`, { timeoutMs: 15_000 })).map((e) => e.data);
}

/** Creates the app (unless it exists) and pushes `files` to it over smart HTTP with the user's token. */
export async function deploy(user: CliUser, name: string, files: Record<string, string> = PROCFILE_APP, team?: string): Promise<{ wc: WorkingCopy; output: string }> {
  const client = api(user);
  if ((await client.get(`/apps/${name}`)).status === 404) {
    const created = await client.post('/apps', { name, ...(team ? { team } : {}) });
    if (created.status !== 201) throw new Error(`creating ${name} failed: ${created.text}`);
  }
  const wc = await WorkingCopy.create({ files });
  const push = await wc.push(`${inject('cli').apiUrl}/${name}.git`, user.token);
  if (push.code !== 0) throw new Error(`pushing ${name} failed:\n${push.output}`);
  return { wc, output: push.output };
}
