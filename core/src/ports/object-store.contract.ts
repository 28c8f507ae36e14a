// The ObjectStore contract as a test suite, registered once per adapter (DESIGN.md §9):
//   registerObjectStoreContract('fs', async () => ({ store, cleanup }))
// Every adapter must pass it unchanged. Used only by tests (imports vitest).
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '../errors.js';
import type { ObjectStore } from './object-store.port.js';

export interface ObjectStoreFixture {
  store: ObjectStore;
  cleanup(): Promise<void>;
}

async function readAll(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}

/** Fetch a fetchUrl the way a runtime would: http(s) with fetch, file: from the disk. */
async function fetchBytes(url: string): Promise<{ status: number; body: Buffer }> {
  if (url.startsWith('file:')) {
    try {
      return { status: 200, body: await readFile(fileURLToPath(url)) };
    } catch {
      return { status: 404, body: Buffer.alloc(0) };
    }
  }
  const res = await fetch(url);
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export function registerObjectStoreContract(name: string, make: () => Promise<ObjectStoreFixture>): void {
  describe(`ObjectStore contract: ${name}`, () => {
    let fx: ObjectStoreFixture;
    let tmp: string;
    const ns = `contract/${randomBytes(4).toString('hex')}`;

    beforeAll(async () => {
      fx = await make();
      tmp = await mkdtemp(path.join(tmpdir(), 'slw-os-'));
    });
    afterAll(async () => {
      await fx?.cleanup();
      if (tmp) await rm(tmp, { recursive: true, force: true });
    });

    it('put (Buffer, string, stream) then get returns the same bytes and head the size', async () => {
      const bin = randomBytes(1000);
      expect(await fx.store.put(`${ns}/a.bin`, bin)).toEqual({ key: `${ns}/a.bin`, size: 1000 });
      expect(await readAll(await fx.store.get(`${ns}/a.bin`))).toEqual(bin);
      await fx.store.put(`${ns}/b.txt`, 'héllo', { contentType: 'text/plain' });
      expect((await readAll(await fx.store.get(`${ns}/b.txt`))).toString('utf8')).toBe('héllo');
      await fx.store.put(`${ns}/c.txt`, Readable.from([Buffer.from('one '), Buffer.from('two')]));
      expect((await readAll(await fx.store.get(`${ns}/c.txt`))).toString()).toBe('one two');
      expect(await fx.store.head(`${ns}/b.txt`)).toEqual({ key: `${ns}/b.txt`, size: Buffer.byteLength('héllo') });
    });

    it('a second put replaces the object', async () => {
      await fx.store.put(`${ns}/r.txt`, 'first version');
      await fx.store.put(`${ns}/r.txt`, 'v2');
      expect((await readAll(await fx.store.get(`${ns}/r.txt`))).toString()).toBe('v2');
      expect((await fx.store.head(`${ns}/r.txt`))?.size).toBe(2);
    });

    it('a missing object: get throws NotFoundError, head is null, delete is a no-op', async () => {
      await expect(fx.store.get(`${ns}/missing`)).rejects.toBeInstanceOf(NotFoundError);
      await expect(fx.store.getToFile(`${ns}/missing`, path.join(tmp, 'x'))).rejects.toBeInstanceOf(NotFoundError);
      expect(await fx.store.head(`${ns}/missing`)).toBeNull();
      await fx.store.delete(`${ns}/missing`);
    });

    it('putFile / getToFile round-trip a large file (multipart where the adapter has it)', async () => {
      const big = Buffer.concat([randomBytes(1024 * 1024), Buffer.alloc(11 * 1024 * 1024, 7), randomBytes(12345)]);
      const src = path.join(tmp, 'big.in');
      const dst = path.join(tmp, 'big.out');
      await writeFile(src, big);
      expect(await fx.store.putFile(`${ns}/slugs/big.tgz`, src)).toEqual({ key: `${ns}/slugs/big.tgz`, size: big.length });
      await fx.store.getToFile(`${ns}/slugs/big.tgz`, dst);
      expect(sha(await readFile(dst))).toBe(sha(big));
    });

    it('a stream of unknown length larger than one part goes up whole', async () => {
      const parts = Array.from({ length: 7 }, (_, i) => Buffer.alloc(1024 * 1024, i + 1));
      const info = await fx.store.put(`${ns}/stream.bin`, Readable.from(parts));
      expect(info.size).toBe(7 * 1024 * 1024);
      expect(sha(await readAll(await fx.store.get(`${ns}/stream.bin`)))).toBe(sha(Buffer.concat(parts)));
    });

    it('list returns the objects under a prefix, and only those', async () => {
      await fx.store.put(`${ns}/l/x/1`, '1');
      await fx.store.put(`${ns}/l/x/2`, '22');
      await fx.store.put(`${ns}/l/y/3`, '333');
      await fx.store.put(`${ns}/lz`, 'other');
      const listed: { key: string; size: number }[] = [];
      for await (const o of fx.store.list(`${ns}/l/`)) listed.push(o);
      expect(listed.sort((a, b) => a.key.localeCompare(b.key))).toEqual([
        { key: `${ns}/l/x/1`, size: 1 },
        { key: `${ns}/l/x/2`, size: 2 },
        { key: `${ns}/l/y/3`, size: 3 },
      ]);
    });

    it('delete removes the object', async () => {
      await fx.store.put(`${ns}/d.txt`, 'bye');
      await fx.store.delete(`${ns}/d.txt`);
      expect(await fx.store.head(`${ns}/d.txt`)).toBeNull();
      await expect(fx.store.get(`${ns}/d.txt`)).rejects.toBeInstanceOf(NotFoundError);
    });

    it('refuses keys that could name a place outside the store', async () => {
      for (const bad of ['../escape', '/abs/key', 'a/../../b', 'a//b', 'a/./b', '', 'sp ace', 'a\\b', `${ns}/..`]) {
        await expect(fx.store.put(bad, 'x'), bad).rejects.toThrow(/invalid object key/);
        await expect(fx.store.get(bad), bad).rejects.toThrow(/invalid object key/);
        // head may refuse or answer "no such object"; either way nothing outside the store is touched
        await fx.store.head(bad).then((v) => expect(v, bad).toBeNull(), (e: Error) => expect(e.message).toMatch(/invalid object key/));
        await expect(fx.store.delete(bad), bad).rejects.toThrow(/invalid object key/);
        await expect(fx.store.fetchUrl(bad, 60), bad).rejects.toThrow(/invalid object key/);
      }
    });

    it('fetchUrl gives a URL that serves the object', async () => {
      const body = randomBytes(4096);
      await fx.store.put(`${ns}/slugs/app.tgz`, body);
      const url = await fx.store.fetchUrl(`${ns}/slugs/app.tgz`, 3600);
      const got = await fetchBytes(url);
      expect(got.status).toBe(200);
      expect(sha(got.body)).toBe(sha(body));
    });
  });
}
