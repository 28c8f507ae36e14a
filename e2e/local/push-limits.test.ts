// Size limits on what a push brings, set by an admin in the settings: the push itself
// (max_push_size_mb, over HTTP and SSH), its unpacked source (max_source_size_mb) and the slug the
// build makes (max_slug_size_mb). Over a limit the push is rejected with a message naming the
// limit and its setting; the repository (refs and objects) and the object store are unchanged,
// and no build starts (the slug limit: the build fails and stores no slug).
import { randomBytes } from 'node:crypto';
import { readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ssh2 from 'ssh2';
import { startStack, type Stack } from '../support/stack.js';
import { ApiClient } from '../support/client.js';
import { WorkingCopy } from '../support/git.js';

let stack: Stack;
let alice: ApiClient;
let keyFile = '';

async function files(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(`${path.relative(dir, p)} ${(await stat(p)).size}`);
    }
  };
  await walk(dir);
  return out.sort();
}

async function snapshot(app: string) {
  const { rows } = await stack.db.pool.query(`SELECT count(*)::int AS n FROM builds b JOIN apps a ON a.id = b.app_id WHERE a.name = $1`, [app]);
  return { repo: await files(path.join(stack.dataDir, 'repos', `${app}.git`)), objects: await files(path.join(stack.dataDir, 'objects')), builds: rows[0].n };
}

async function settings(patch: Record<string, number | null>) {
  const r = await stack.admin.patch('/api/v1/admin/settings', patch);
  expect(r.status, r.text).toBe(200);
}

beforeAll(async () => {
  stack = await startStack();
  alice = await ApiClient.signUp(stack.apiUrl, 'alice@example.com');
  const pair = ssh2.utils.generateKeyPairSync('ed25519');
  keyFile = path.join(stack.dataDir, 'alice_key');
  await writeFile(keyFile, pair.private, { mode: 0o600 });
  expect((await alice.post('/account/keys', { public_key: pair.public })).status).toBe(201);
  expect((await alice.post('/apps', { name: 'limited' })).status).toBe(201);
});
afterAll(async () => stack?.stop());

describe('push size limits', () => {
  it('rejects a push over max_push_size_mb over HTTP and SSH, naming the limit, storing nothing', async () => {
    await settings({ max_push_size_mb: 1 });
    const wc = await WorkingCopy.create({ files: { Procfile: 'web: python3 -m http.server $PORT\n' } });
    await writeFile(path.join(wc.dir, 'big.bin'), randomBytes(2 * 1024 * 1024));
    await wc.commit('2 MB that does not compress');
    const before = await snapshot('limited');
    const http = await wc.push(`${stack.apiUrl}/limited.git`, alice.token!);
    expect(http.code).not.toBe(0);
    expect(http.output).toContain('Push rejected: this push is larger than the limit of 1 MB (setting max_push_size_mb).');
    expect(await snapshot('limited')).toEqual(before);
    const ssh = await wc.pushSsh(`ssh://git@127.0.0.1:${stack.sshPort}/limited.git`, keyFile);
    expect(ssh.code).not.toBe(0);
    expect(ssh.output).toContain('Push rejected: this push is larger than the limit of 1 MB (setting max_push_size_mb).');
    expect(await snapshot('limited')).toEqual(before);
  });

  it('rejects a push whose unpacked source is over max_source_size_mb before it builds', async () => {
    await settings({ max_push_size_mb: null, max_source_size_mb: 1 });
    const wc = await WorkingCopy.create({ files: { Procfile: 'web: python3 -m http.server $PORT\n', 'zeros.txt': '0'.repeat(3 * 1024 * 1024) } });
    const before = await snapshot('limited');
    const push = await wc.push(`${stack.apiUrl}/limited.git`, alice.token!);
    expect(push.code).not.toBe(0);
    expect(push.output).toContain('Push rejected: the pushed source is larger than the limit of 1 MB unpacked (setting max_source_size_mb).');
    expect(push.output).toMatch(/\[remote rejected\] main -> main \(pre-receive hook declined\)/);
    expect(await snapshot('limited')).toEqual(before);
  });

  it('fails a build whose slug is over max_slug_size_mb and stores no slug', async () => {
    await settings({ max_source_size_mb: null, max_slug_size_mb: 1 });
    await new Promise((r) => setTimeout(r, 2_500)); // the worker re-reads settings every 2 s
    const wc = await WorkingCopy.create({ files: { Procfile: 'web: python3 -m http.server $PORT\n' } });
    await writeFile(path.join(wc.dir, 'big.bin'), randomBytes(2 * 1024 * 1024));
    await wc.commit('a 2 MB slug');
    const refsBefore = (await snapshot('limited')).repo.filter((f) => f.startsWith('refs/') || f.startsWith('packed-refs'));
    const push = await wc.push(`${stack.apiUrl}/limited.git`, alice.token!);
    expect(push.code).not.toBe(0);
    expect(push.output).toMatch(/Compiled slug size 2\.\d MB is larger than the limit of 1 MB \(setting max_slug_size_mb\)/);
    const after = await snapshot('limited');
    expect(after.repo.filter((f) => f.startsWith('refs/') || f.startsWith('packed-refs'))).toEqual(refsBefore);
    expect(after.objects.filter((f) => f.startsWith('slugs/'))).toEqual([]);
    expect((await alice.get('/apps/limited/builds')).body[0].stage_status).toBe('failed');
    await settings({ max_slug_size_mb: null });
  });
});
