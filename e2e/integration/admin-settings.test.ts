// Settings in the admin api against the real api in-process and a real S3-protocol server (s3rver):
// the catalog tells the console how to edit every setting, secrets are sealed and never returned,
// "Test connection" really writes and reads an object (and says clearly why a wrong key fails),
// and the object store follows its settings without a restart. The Docker test talks to a fake
// engine on a unix socket (no Docker engine runs in this tier): it answers /version and /info only.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createObjectStore } from '@slipway/core/adapters/object-store/create-object-store';
import { S3ObjectStore } from '@slipway/core/adapters/object-store/s3.object-store';
import { startS3rver, S3RVER_KEYS, type S3rverHandle } from '@slipway/core/testing/s3rver';
import { withStartupSettings } from '@slipway/core/settings/startup';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { ApiClient } from '../support/client.js';
import { closeHarness, makeAdmin } from './billing-support.js';

let h: ApiHarness;
let admin: ApiClient;
let s3: S3rverHandle;
const BUCKET = 'slipway-settings-test';

beforeAll(async () => {
  [h, s3] = await Promise.all([startApiHarness(), startS3rver()]);
  admin = await makeAdmin(h);
});
afterAll(async () => {
  await closeHarness(h);
  await s3?.close();
});

describe('settings in the admin api', () => {
  it('describes every setting for the console: group, input shape, default, when it takes effect', async () => {
    const catalog = (await admin.get('/api/v1/admin/settings/catalog')).body as { key: string; input: { type: string }; secret: boolean; takes_effect: string; default: unknown }[];
    const byKey = Object.fromEntries(catalog.map((s) => [s.key, s]));
    expect(byKey.signup_enabled).toMatchObject({ input: { type: 'boolean' }, default: false, takes_effect: 'live' });
    expect(byKey.max_apps_per_org).toMatchObject({ input: { type: 'number', integer: true, minimum: 1, maximum: 100000 } });
    expect(byKey.object_store_kind).toMatchObject({ input: { type: 'enum', options: ['fs', 's3'] } });
    expect(byKey.s3_secret_access_key).toMatchObject({ secret: true, is_set: false, value: null, default: null });
    expect(byKey.docker_host).toMatchObject({ input: { type: 'string' }, takes_effect: 'restart' });
    expect(catalog.every((s) => ['boolean', 'number', 'enum', 'string', 'json'].includes(s.input.type))).toBe(true);
  });

  it('tests the object store against s3rver: success, then a wrong key fails clearly; the secret is never returned', async () => {
    const saved = await admin.patch('/api/v1/admin/settings', { s3_endpoint: s3.url, s3_bucket: BUCKET, s3_access_key_id: S3RVER_KEYS.accessKeyId, s3_secret_access_key: S3RVER_KEYS.secretAccessKey });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.body.s3_secret_access_key).toEqual({ is_set: true });
    expect((await admin.get('/api/v1/admin/settings/catalog')).body.find((s: { key: string }) => s.key === 's3_secret_access_key')).toMatchObject({ is_set: true, value: null });

    s3.requests.length = 0;
    const ok = await admin.post('/api/v1/admin/settings/object-store/test', { object_store_kind: 's3' });
    expect(ok.body).toMatchObject({ ok: true, kind: 's3', location: `${s3.url}, bucket ${BUCKET}` });
    expect(ok.body.message).toMatch(/^Wrote, read back and deleted a test object in bucket slipway-settings-test/);
    expect(s3.requests.map((r) => r.split(' ')[0])).toEqual(expect.arrayContaining(['PUT', 'GET', 'DELETE']));

    // (s3rver checks the key ID but not SigV4 signatures, so a wrong secret cannot be shown failing here)
    const badKey = await admin.post('/api/v1/admin/settings/object-store/test', { object_store_kind: 's3', s3_access_key_id: 'NOSUCHKEY' });
    expect(badKey.body).toMatchObject({ ok: false, message: 'Writing a test object failed: the store does not know this access key ID (InvalidAccessKeyId).' });
    const down = await admin.post('/api/v1/admin/settings/object-store/test', { object_store_kind: 's3', s3_endpoint: 'http://127.0.0.1:9' });
    expect(down.body.message).toMatch(/could not connect to http:\/\/127\.0\.0\.1:9 \(ECONNREFUSED\)/);
    expect(JSON.stringify([badKey.body, down.body])).not.toContain(S3RVER_KEYS.secretAccessKey);
    const invalid = await admin.post('/api/v1/admin/settings/object-store/test', { s3_bucket: 'Bad_Bucket' });
    expect(invalid.status).toBe(400);
    expect(invalid.body.message).toMatch(/s3_bucket must be 3-63 lowercase/);
    // nothing was saved by the tests
    expect((await admin.get('/api/v1/admin/settings')).body.object_store_kind).toBe('fs');
  });

  it('follows the object store settings without a restart: fs, then s3, then a rotated key', async () => {
    const objects = createObjectStore(h.config, h.ctx.settings);
    try {
      await objects.put('slugs/a/first.tgz', 'on disk');
      expect(objects.kind).toBe('fs');
      expect((await admin.patch('/api/v1/admin/settings', { object_store_kind: 's3' })).status).toBe(200);
      await objects.put('slugs/a/second.tgz', 'in s3');
      expect(objects.kind).toBe('s3');
      const direct = new S3ObjectStore({ endpoint: s3.url, region: 'us-east-1', bucket: BUCKET, forcePathStyle: true, ...S3RVER_KEYS });
      expect(await direct.head('slugs/a/second.tgz')).toEqual({ key: 'slugs/a/second.tgz', size: 5 });
      expect(await direct.head('slugs/a/first.tgz')).toBeNull();
      direct.close();
      await admin.patch('/api/v1/admin/settings', { s3_access_key_id: 'ROTATED' });
      await expect(objects.put('slugs/a/third.tgz', 'x')).rejects.toThrow(/object store/);
      await admin.patch('/api/v1/admin/settings', { s3_access_key_id: S3RVER_KEYS.accessKeyId });
      expect((await objects.put('slugs/a/third.tgz', 'x')).size).toBe(1);
    } finally {
      objects.close();
      await admin.patch('/api/v1/admin/settings', { object_store_kind: null });
    }
  });

  it('applies the settings read at start; existing apps move to a new default domain', async () => {
    const owner = await ApiClient.signUp(h.url, 'domains@example.com');
    await owner.post('/apps', { name: 'moving-app' });
    expect((await admin.patch('/api/v1/admin/settings', { default_domain: 'apps.example.com', build_timeout_seconds: 120, docker_host: 'tcp://10.0.0.9:2376' })).status).toBe(200);
    const config = await withStartupSettings(h.config);
    expect([config.domain, config.build.timeoutSeconds, config.docker.host]).toEqual(['apps.example.com', 120, 'tcp://10.0.0.9:2376']);
    expect(await h.ctx.store.repos.domains.moveDefaults(config.domain)).toHaveLength(1);
    expect((await owner.get('/apps/moving-app/domains')).body.map((d: { hostname: string }) => d.hostname)).toEqual(['moving-app.apps.example.com']);
    expect(await h.ctx.store.repos.domains.moveDefaults(config.domain)).toEqual([]);
    await admin.patch('/api/v1/admin/settings', { default_domain: null, build_timeout_seconds: null, docker_host: null });
    expect((await withStartupSettings(h.config)).domain).toBe(h.config.domain);
  });

  it('tests the Docker endpoint: a (fake) engine answers, a missing socket is reported', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'slw-fake-docker-'));
    const socket = path.join(dir, 'docker.sock');
    const engine: Server = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url!.endsWith('/version')) return res.end(JSON.stringify({ Version: '28.2.2', ApiVersion: '1.50' }));
      if (req.url!.endsWith('/info')) return res.end(JSON.stringify({ OperatingSystem: 'Debian GNU/Linux 12', Swarm: { LocalNodeState: 'inactive' } }));
      res.statusCode = 404;
      res.end('{}');
    });
    await new Promise<void>((r) => engine.listen(socket, r));
    try {
      const ok = await admin.post('/api/v1/admin/settings/docker/test', { docker_host: `unix://${socket}` });
      expect(ok.body).toMatchObject({ ok: true, engine_version: '28.2.2', message: 'Docker 28.2.2 (API 1.50) on Debian GNU/Linux 12; swarm inactive.' });
      const missing = await admin.post('/api/v1/admin/settings/docker/test', { docker_host: `unix://${dir}/nope.sock` });
      expect(missing.body.ok).toBe(false);
      expect(missing.body.message).toMatch(/^Could not reach the Docker engine at unix:\/\/.*nope\.sock: .*ENOENT/);
      expect((await admin.post('/api/v1/admin/settings/docker/test', { docker_host: 'http://x' })).status).toBe(400);
    } finally {
      engine.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
