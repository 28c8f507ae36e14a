// The ObjectStore contract run against S3ObjectStore talking to s3rver (an S3-protocol server from
// npm, started here on a free port with a temporary directory), plus what only S3 has: bucket
// creation, multipart uploads, presigned URLs for another endpoint, the connectivity check.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerObjectStoreContract } from '../../ports/object-store.contract.js';
import { startS3rver, S3RVER_KEYS, type S3rverHandle as Server } from '../../testing/s3rver.js';
import { S3ObjectStore, type S3ObjectStoreOptions } from './s3.object-store.js';

const creds = S3RVER_KEYS;
const options = (endpoint: string, over: Partial<S3ObjectStoreOptions> = {}): S3ObjectStoreOptions => ({
  endpoint, region: 'us-east-1', bucket: `slw-${randomBytes(4).toString('hex')}`, forcePathStyle: true,
  partSizeBytes: 5 * 1024 * 1024, ...creds, ...over,
});

registerObjectStoreContract('s3 (s3rver)', async () => {
  const server = await startS3rver();
  const store = new S3ObjectStore(options(server.url));
  return { store, cleanup: async () => { store.close(); await server.close(); } };
});

describe('S3ObjectStore specifics', () => {
  let server: Server;
  beforeAll(async () => { server = await startS3rver(); });
  afterAll(async () => { await server?.close(); });

  it('creates a missing bucket on first use and reports the store healthy', async () => {
    const store = new S3ObjectStore(options(server.url));
    const check = await store.check();
    expect(check).toMatchObject({ ok: true, kind: 's3', endpoint: server.url });
    await store.put('a/b', 'x');
    expect(await store.head('a/b')).toEqual({ key: 'a/b', size: 1 });
    store.close();
  });

  it('uploads a large body in parts (3 × UploadPart for 11 MiB with 5 MiB parts), a small one in one PUT', async () => {
    const store = new S3ObjectStore(options(server.url));
    await store.put('small', 'x');
    server.requests.length = 0;
    await store.put('slugs/app/big.tgz', Buffer.alloc(11 * 1024 * 1024, 1));
    expect(server.requests.filter((r) => r.startsWith('PUT ') && /partNumber=/.test(r))).toHaveLength(3);
    expect(server.requests.filter((r) => r.startsWith('POST ') && r.includes('uploads'))).toHaveLength(1);
    server.requests.length = 0;
    await store.put('small', 'y');
    expect(server.requests.filter((r) => r.startsWith('PUT '))).toEqual(['PUT x-id=PutObject']);
    store.close();
  });

  it('signs fetch URLs for the public endpoint and caps them at 7 days', async () => {
    const store = new S3ObjectStore(options(server.url, { publicEndpoint: 'http://172.17.0.1:9000' }));
    await store.put('k', 'v');
    const url = new URL(await store.fetchUrl('k', 30 * 24 * 3600));
    expect(url.host).toBe('172.17.0.1:9000');
    expect(url.searchParams.get('X-Amz-Expires')).toBe(String(7 * 24 * 3600));
    store.close();
  });

  it('an unreachable store: check() says so without credentials, writes fail as UpstreamError', async () => {
    const store = new S3ObjectStore(options('http://127.0.0.1:9', { accessKeyId: 'AKIDSECRETLOOKING', secretAccessKey: 'very-secret-value' }));
    const check = await store.check();
    expect(check.ok).toBe(false);
    expect(JSON.stringify(check)).not.toMatch(/AKIDSECRETLOOKING|very-secret-value/);
    await expect(store.put('a', 'b')).rejects.toMatchObject({ name: 'UpstreamError' });
    store.close();
  });
});
