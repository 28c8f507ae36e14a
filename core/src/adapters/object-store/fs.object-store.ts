// ObjectStore on the local filesystem (single machine). Keys map to files under one root; keys are
// validated by assertObjectKey and the resolved path is checked to stay under the root. Writes go
// to a temporary file and are renamed into place, so a reader never sees half an object.
// fetchUrl returns a file:// URL: only a runtime on the same machine can use it.
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { randomBytes, randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { NotFoundError } from '../../errors.js';
import { assertObjectKey, type ObjectInfo, type ObjectStore, type ObjectStoreProbe } from '../../ports/object-store.port.js';

export class FsObjectStore implements ObjectStore {
  readonly kind = 'fs' as const;
  private readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  private pathOf(key: string): string {
    assertObjectKey(key);
    const p = path.resolve(this.root, key);
    if (!p.startsWith(this.root + path.sep)) throw new Error('object key resolves outside the store');
    return p;
  }

  private async writeAtomically(key: string, write: (tmp: string) => Promise<void>): Promise<ObjectInfo> {
    const dest = this.pathOf(key);
    await mkdir(path.dirname(dest), { recursive: true });
    const tmp = `${dest}.tmp-${randomBytes(6).toString('hex')}`;
    try {
      await write(tmp);
      await rename(tmp, dest);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return { key, size: (await stat(dest)).size };
  }

  put(key: string, body: Buffer | string | Readable): Promise<ObjectInfo> {
    return this.writeAtomically(key, async (tmp) => {
      const src = typeof body === 'string' || Buffer.isBuffer(body) ? Readable.from([Buffer.from(body)]) : body;
      await pipeline(src, createWriteStream(tmp, { mode: 0o600 }));
    });
  }

  putFile(key: string, filePath: string): Promise<ObjectInfo> {
    return this.writeAtomically(key, (tmp) => copyFile(filePath, tmp));
  }

  async get(key: string): Promise<Readable> {
    const p = this.pathOf(key);
    try {
      await stat(p);
    } catch {
      throw new NotFoundError(`object ${key} not found`);
    }
    return createReadStream(p);
  }

  async getToFile(key: string, filePath: string): Promise<void> {
    const p = this.pathOf(key);
    try {
      await copyFile(p, filePath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`object ${key} not found`);
      throw err;
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    try {
      const s = await stat(this.pathOf(key));
      return s.isFile() ? { key, size: s.size } : null;
    } catch {
      return null;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    const walk = async function* (dir: string, rel: string): AsyncIterable<ObjectInfo> {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
        const key = rel ? `${rel}/${e.name}` : e.name;
        if (e.isDirectory()) yield* walk(path.join(dir, e.name), key);
        else if (e.isFile() && !e.name.includes('.tmp-')) yield { key, size: (await stat(path.join(dir, e.name))).size };
      }
    };
    for await (const o of walk(this.root, '')) if (o.key.startsWith(prefix)) yield o;
  }

  async fetchUrl(key: string): Promise<string> {
    return pathToFileURL(this.pathOf(key)).href;
  }

  /** Writes, reads back and deletes a test object. Never throws. */
  async probe(): Promise<ObjectStoreProbe> {
    const t0 = Date.now();
    const key = `slipway-connection-test/${randomUUID()}`;
    const body = randomBytes(32);
    try {
      await this.put(key, body);
      const chunks: Buffer[] = [];
      for await (const c of await this.get(key)) chunks.push(c as Buffer);
      await this.delete(key);
      if (!Buffer.concat(chunks).equals(body)) throw new Error('the test object read back differs from what was written');
      const ms = Date.now() - t0;
      return { ok: true, kind: 'fs', location: this.root, latencyMs: ms, message: `Wrote, read back and deleted a test object under ${this.root} (${ms} ms).` };
    } catch (err) {
      return { ok: false, kind: 'fs', location: this.root, latencyMs: Date.now() - t0, message: `The directory ${this.root} is not usable: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}.` };
    }
  }
}
