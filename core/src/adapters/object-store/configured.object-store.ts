// An ObjectStore that follows the object-store settings (settings/admin.settings.ts) while the
// processes run: every call goes to the store the settings describe at that moment (fs under the
// data directory, or S3 with its endpoint, bucket and keys), so a change made in the admin console
// is used by the api and the worker within the settings cache window (2 s) without a restart.
// A new store is built when the settings change; the previous S3 client is closed a while later
// (requests in flight finish on it).
// Rule, stated in the setting's description: objects already stored are not moved. Switching the
// location (fs → s3, another endpoint or bucket) is for an empty store or one the operator copied
// first; rotating keys for the same bucket is always safe.
// Leaves out: copying objects between stores, reading from the old store as a fallback.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Config } from '../../config/config.js';
import type { Settings } from '../../settings/settings.service.js';
import { objectStoreKind, s3AccessKeyId, s3Bucket, s3Endpoint, s3Region, s3SecretAccessKey } from '../../settings/admin.settings.js';
import type { ObjectInfo, ObjectStore, ObjectStoreProbe } from '../../ports/object-store.port.js';
import { FsObjectStore } from './fs.object-store.js';
import { S3ObjectStore } from './s3.object-store.js';

export interface ObjectStoreSettings {
  kind: 'fs' | 's3';
  endpoint: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
}

const CLOSE_OLD_AFTER_MS = 5 * 60_000;

export async function readObjectStoreSettings(settings: Settings): Promise<ObjectStoreSettings> {
  const [kind, endpoint, region, bucket, accessKeyId, secretAccessKey] = await Promise.all([
    settings.get(objectStoreKind),
    settings.get(s3Endpoint),
    settings.get(s3Region),
    settings.get(s3Bucket),
    settings.get(s3AccessKeyId),
    settings.get(s3SecretAccessKey),
  ]);
  return { kind, endpoint, region, bucket, accessKeyId, secretAccessKey };
}

/** The store these settings describe. `probe` gives it short timeouts and no retries. */
export function buildObjectStore(s: ObjectStoreSettings, config: Config, opts: { probe?: boolean } = {}): FsObjectStore | S3ObjectStore {
  if (s.kind === 'fs') return new FsObjectStore(config.paths.objects);
  const fromEnv = config.objectStore.kind === 's3' ? config.objectStore : null;
  return new S3ObjectStore({
    endpoint: s.endpoint || undefined,
    // fetch URLs are signed for the public endpoint only while the endpoint is the one it goes with
    publicEndpoint: fromEnv && (fromEnv.endpoint ?? '') === s.endpoint ? fromEnv.publicEndpoint : undefined,
    region: s.region,
    bucket: s.bucket,
    accessKeyId: s.accessKeyId || undefined,
    secretAccessKey: s.secretAccessKey || undefined,
    forcePathStyle: fromEnv?.forcePathStyle ?? true,
    ...(opts.probe ? { maxAttempts: 1, timeoutMs: 5_000 } : {}),
  });
}

/** Writes, reads back and deletes a test object in the store these settings describe. */
export async function probeObjectStore(s: ObjectStoreSettings, config: Config): Promise<ObjectStoreProbe> {
  const store = buildObjectStore(s, config, { probe: true });
  try {
    return await store.probe();
  } finally {
    if (store instanceof S3ObjectStore) store.close();
  }
}

export class ConfiguredObjectStore implements ObjectStore {
  private current: { fingerprint: string; store: FsObjectStore | S3ObjectStore } | null = null;

  constructor(
    private readonly deps: {
      read: () => Promise<ObjectStoreSettings>;
      build: (s: ObjectStoreSettings) => FsObjectStore | S3ObjectStore;
    },
  ) {}

  /** The kind in use at the last call (the settings' kind before the first). */
  get kind(): 'fs' | 's3' {
    return this.current?.store.kind ?? 'fs';
  }

  /** The store the settings describe now. */
  async resolve(): Promise<FsObjectStore | S3ObjectStore> {
    const s = await this.deps.read();
    const fingerprint = createHash('sha256').update(JSON.stringify(s)).digest('hex');
    if (this.current?.fingerprint === fingerprint) return this.current.store;
    const previous = this.current?.store;
    this.current = { fingerprint, store: this.deps.build(s) };
    if (previous instanceof S3ObjectStore) setTimeout(() => previous.close(), CLOSE_OLD_AFTER_MS).unref();
    return this.current.store;
  }

  async probe(): Promise<ObjectStoreProbe> {
    return (await this.resolve()).probe();
  }

  /** For the infrastructure report: does the store in use answer (S3), or { ok: true } (fs). */
  async check(): Promise<unknown> {
    const store = await this.resolve();
    return store instanceof S3ObjectStore ? store.check() : { ok: true };
  }

  async put(key: string, body: Buffer | string | Readable, opts?: { contentType?: string }): Promise<ObjectInfo> {
    return (await this.resolve()).put(key, body, opts);
  }

  async putFile(key: string, filePath: string, opts?: { contentType?: string }): Promise<ObjectInfo> {
    return (await this.resolve()).putFile(key, filePath, opts);
  }

  async get(key: string): Promise<Readable> {
    return (await this.resolve()).get(key);
  }

  async getToFile(key: string, filePath: string): Promise<void> {
    return (await this.resolve()).getToFile(key, filePath);
  }

  async head(key: string): Promise<ObjectInfo | null> {
    return (await this.resolve()).head(key);
  }

  async delete(key: string): Promise<void> {
    return (await this.resolve()).delete(key);
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    yield* (await this.resolve()).list(prefix);
  }

  async fetchUrl(key: string, ttlSeconds: number): Promise<string> {
    return (await this.resolve()).fetchUrl(key, ttlSeconds);
  }

  /** Closes the S3 client in use (process shutdown). */
  close(): void {
    if (this.current?.store instanceof S3ObjectStore) this.current.store.close();
    this.current = null;
  }
}
