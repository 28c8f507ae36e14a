// ObjectStore port: slugs, build sources, build logs, backups.
// Promises: put/get/head/delete/list by key; keys are validated (no "..", no leading "/", a fixed
// alphabet) so no key can name a place outside the store; fetchUrl gives a URL a runtime can
// fetch an object from, valid for at least `ttlSeconds` (a release may restart days later).
// Leaves out: access control per tenant (keys are built by services from ids), versioning.
import type { Readable } from 'node:stream';

export interface ObjectInfo {
  key: string;
  size: number;
}

export interface ObjectStore {
  readonly kind: 'fs' | 's3';
  put(key: string, body: Buffer | string | Readable, opts?: { contentType?: string }): Promise<ObjectInfo>;
  putFile(key: string, filePath: string, opts?: { contentType?: string }): Promise<ObjectInfo>;
  /** Throws NotFoundError when missing. */
  get(key: string): Promise<Readable>;
  getToFile(key: string, filePath: string): Promise<void>;
  head(key: string): Promise<ObjectInfo | null>;
  delete(key: string): Promise<void>;
  list(prefix: string): AsyncIterable<ObjectInfo>;
  fetchUrl(key: string, ttlSeconds: number): Promise<string>;
}

/** What a connection test found (adapters' probe()): every step done, or the first that failed
 *  and why, in words an operator acts on. */
export interface ObjectStoreProbe {
  ok: boolean;
  kind: 'fs' | 's3';
  /** Where it looked (endpoint and bucket, or the directory); never a credential. */
  location: string;
  latencyMs: number;
  message: string;
}

const KEY_RE = /^[A-Za-z0-9][A-Za-z0-9._\-/]{0,511}$/;

/** Throws on a key that could escape the store. Shared by every adapter. */
export function assertObjectKey(key: string): string {
  if (!KEY_RE.test(key) || key.split('/').some((seg) => seg === '' || seg === '.' || seg === '..')) {
    throw new Error(`invalid object key: ${JSON.stringify(key.slice(0, 80))}`);
  }
  return key;
}

export const objectKeys = {
  source: (appId: string, buildId: string) => `sources/${appId}/${buildId}.tar`,
  slug: (appId: string, slugId: string) => `slugs/${appId}/${slugId}.tgz`,
  buildLog: (appId: string, buildId: string) => `build-logs/${appId}/${buildId}.log`,
  /** The release phase's output (Heroku's release output_stream_url). */
  releaseLog: (appId: string, releaseId: string) => `build-logs/${appId}/release-${releaseId}.log`,
};
