// Hostile input never reaches a shell, a process or the filesystem: app names and config keys
// with shell metacharacters, "..", leading dashes and unicode look-alikes are refused with 400,
// nothing is written and no process is spawned.
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { ApiClient } from '../support/client.js';

let h: ApiHarness;
let ada: ApiClient;
beforeAll(async () => {
  h = await startApiHarness();
  ada = await ApiClient.signUp(h.url, 'ada@example.com');
  await ada.post('/apps', { name: 'target' });
});
afterAll(async () => h?.close());

const NAMES = [
  'app;touch /tmp/pwned', 'app$(id)', '`id`', 'a|b', 'a&&b', '../etc', '..', 'a/../b', '-rf', '--upload-pack=x', '-h',
  'аpp', // Cyrillic а
  'ａｐｐ', // full-width
  'app\u0000x', 'app\nx', 'app name', 'APP', 'a', '1app', 'app-', 'ap--p', '',
];
const KEYS = ['A;B', 'A$(id)', '../X', '-X', 'X Y', 'ÄPFEL', 'X\u0000', 'x', '1X', 'X=Y', 'X\nY', 'ＡＢ'];

async function counts() {
  const { rows } = await h.ctx.store.pool.query(`SELECT (SELECT count(*) FROM apps)::int AS apps, (SELECT count(*) FROM config_vars)::int AS vars, (SELECT count(*) FROM releases)::int AS releases`);
  return { ...rows[0], repos: (await readdir(h.config.paths.repos)).sort(), spawned: h.runner.calls.length };
}

describe('hostile input', () => {
  it('refuses hostile app names with 400, writing and spawning nothing', async () => {
    const before = await counts();
    for (const name of NAMES) {
      const r = await ada.post('/apps', { name });
      expect(r.status, JSON.stringify(name)).toBe(400);
      expect(r.body.message).toMatch(/Name must|reserved|dash/);
      const rename = await ada.patch('/apps/target', { name });
      expect(rename.status, JSON.stringify(name)).toBe(name === '' ? 400 : 400);
    }
    expect(await counts()).toEqual(before);
  });

  it('refuses hostile config keys with 400 and writes no var and no release', async () => {
    const before = await counts();
    for (const key of KEYS) {
      const r = await ada.patch('/apps/target/config-vars', { OK: 'fine', [key]: 'v' });
      expect(r.status, JSON.stringify(key)).toBe(400);
      expect(r.body.message).toContain('^[A-Z_][A-Z0-9_]*$');
    }
    expect(await counts()).toEqual(before);
  });

  it('treats hostile app names in URLs as unknown apps', async () => {
    for (const name of ['..', '..%2F..%2Fetc', '-rf', 'a%3Bb', '%2e%2e']) {
      const r = await ada.get(`/apps/${name}/config-vars`);
      expect([400, 404]).toContain(r.status);
    }
    const git = await fetch(`${h.url}/--upload-pack=touch%20x.git/info/refs?service=git-upload-pack`, { headers: { authorization: `Bearer ${ada.token}` } });
    expect([400, 404]).toContain(git.status);
  });
});
