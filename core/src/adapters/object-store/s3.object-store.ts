// ObjectStore on S3 or an S3-protocol server (MinIO, s3rver…) with @aws-sdk/client-s3.
// Promises: keys are validated (assertObjectKey) before any request; the bucket is created on first
// use when missing; bodies of unknown or large size go up as multipart uploads (lib-storage, parts
// of `partSizeBytes`); a missing object is a NotFoundError; any other S3 failure is an UpstreamError
// whose message names the operation and the key, never a credential; fetchUrl is a presigned GET
// URL, signed for `publicEndpoint` when set (the address runtimes reach the store at), valid for
// min(ttlSeconds, 7 days) — S3's limit; longer-lived URLs are served by the api; check() tells the
// admin console whether the store answers; probe() really writes, reads back and deletes an object
// and says in plain words which step failed and why (unknown key, wrong secret, no such host…).
// Leaves out: server-side encryption settings, lifecycle rules, versioning.
import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { NotFoundError, UpstreamError } from '../../errors.js';
import { assertObjectKey, type ObjectInfo, type ObjectStore, type ObjectStoreProbe } from '../../ports/object-store.port.js';

export const S3_MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

export interface S3ObjectStoreOptions {
  /** e.g. http://127.0.0.1:9000 for MinIO; undefined: AWS's regional endpoint. */
  endpoint?: string;
  /** Endpoint used in fetch URLs (what containers reach); default: `endpoint`. */
  publicEndpoint?: string;
  region: string;
  bucket: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  forcePathStyle: boolean;
  /** Multipart part size (S3's minimum is 5 MiB). */
  partSizeBytes?: number;
  /** Attempts per request (default 3); a connection test uses 1. */
  maxAttempts?: number;
  /** Connect and socket timeouts (ms), for a connection test; default: the SDK's. */
  timeoutMs?: number;
}


export interface ObjectStoreCheck {
  ok: boolean;
  kind: 's3';
  endpoint: string;
  bucket: string;
  latencyMs: number;
  /** Why it failed (no credentials in it). */
  message?: string;
}

const MIN_PART = 5 * 1024 * 1024;

function errName(err: unknown): string {
  const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name ?? e?.Code ?? 'Error';
}

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.name === 'NoSuchBucket' || e?.$metadata?.httpStatusCode === 404;
}

/** A failed S3 request in words an operator acts on (never a credential). */
export function describeS3Error(err: unknown, endpoint: string, bucket: string): string {
  const name = errName(err);
  const code = (err as { code?: string }).code;
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  switch (name) {
    case 'InvalidAccessKeyId':
      return 'the store does not know this access key ID (InvalidAccessKeyId).';
    case 'SignatureDoesNotMatch':
      return 'the secret access key does not match the access key ID (SignatureDoesNotMatch).';
    case 'AccessDenied':
      return `these keys may not use bucket ${bucket} (AccessDenied).`;
    case 'NoSuchBucket':
      return `bucket ${bucket} does not exist (NoSuchBucket).`;
    case 'CredentialsProviderError':
      return 'no access key was given and none was found in the environment.';
  }
  const net = code ?? (/^(TimeoutError|RequestTimeout)/.test(name) ? 'timed out' : undefined);
  if (net && /^(E[A-Z]+|timed out)$/.test(net)) return `could not connect to ${endpoint} (${net}).`;
  return `the store answered ${name}${status ? ` (HTTP ${status})` : ''}.`;
}

export class S3ObjectStore implements ObjectStore {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  private readonly signer: S3Client;
  private readonly bucket: string;
  private readonly partSize: number;
  private bucketReady: Promise<void> | null = null;

  constructor(private readonly opts: S3ObjectStoreOptions) {
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(opts.bucket)) throw new Error('invalid S3 bucket name');
    this.bucket = opts.bucket;
    this.partSize = Math.max(MIN_PART, opts.partSizeBytes ?? 8 * 1024 * 1024);
    const base = (endpoint: string | undefined): S3ClientConfig => ({
      region: opts.region,
      endpoint,
      forcePathStyle: opts.forcePathStyle,
      credentials:
        opts.accessKeyId && opts.secretAccessKey
          ? { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey }
          : undefined,
      // S3-protocol servers (MinIO, s3rver) vary in their support of the newer default checksums.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: opts.maxAttempts ?? 3,
      ...(opts.timeoutMs ? { requestHandler: { connectionTimeout: opts.timeoutMs, requestTimeout: opts.timeoutMs } } : {}),
    });
    this.client = new S3Client(base(opts.endpoint));
    this.signer = opts.publicEndpoint && opts.publicEndpoint !== opts.endpoint ? new S3Client(base(opts.publicEndpoint)) : this.client;
  }

  private fail(op: string, key: string, err: unknown): never {
    if (err instanceof NotFoundError) throw err;
    throw new UpstreamError(`object store: ${op} ${key} failed (${errName(err)})`);
  }

  /** Creates the bucket when it does not exist. Runs once; later calls wait for the first. */
  ensureBucket(): Promise<void> {
    this.bucketReady ??= (async () => {
      try {
        await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
      try {
        await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
      } catch (err) {
        if (errName(err) !== 'BucketAlreadyOwnedByYou') throw err;
      }
    })().catch((err: unknown) => {
      this.bucketReady = null;
      throw new UpstreamError(`object store: bucket ${this.bucket} unavailable (${errName(err)})`);
    });
    return this.bucketReady;
  }

  async put(key: string, body: Buffer | string | Readable, opts: { contentType?: string } = {}): Promise<ObjectInfo> {
    assertObjectKey(key);
    await this.ensureBucket();
    try {
      const upload = new Upload({
        client: this.client,
        params: { Bucket: this.bucket, Key: key, Body: body, ContentType: opts.contentType ?? 'application/octet-stream' },
        partSize: this.partSize,
        queueSize: 4,
        leavePartsOnError: false,
      });
      await upload.done();
    } catch (err) {
      this.fail('put', key, err);
    }
    const info = await this.head(key);
    if (!info) throw new UpstreamError(`object store: put ${key} did not persist`);
    return info;
  }

  async putFile(key: string, filePath: string, opts: { contentType?: string } = {}): Promise<ObjectInfo> {
    await stat(filePath);
    return this.put(key, createReadStream(filePath), opts);
  }

  async get(key: string): Promise<Readable> {
    assertObjectKey(key);
    await this.ensureBucket();
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (!(out.Body instanceof Readable)) throw new Error('unexpected S3 body type');
      return out.Body;
    } catch (err) {
      if (isNotFound(err)) throw new NotFoundError(`object ${key} not found`);
      this.fail('get', key, err);
    }
  }

  async getToFile(key: string, filePath: string): Promise<void> {
    const body = await this.get(key);
    await pipeline(body, createWriteStream(filePath, { mode: 0o600 }));
  }

  async head(key: string): Promise<ObjectInfo | null> {
    assertObjectKey(key);
    await this.ensureBucket();
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { key, size: out.ContentLength ?? 0 };
    } catch (err) {
      if (isNotFound(err)) return null;
      this.fail('head', key, err);
    }
  }

  async delete(key: string): Promise<void> {
    assertObjectKey(key);
    await this.ensureBucket();
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (err) {
      if (!isNotFound(err)) this.fail('delete', key, err);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    if (prefix !== '' && !/^[A-Za-z0-9][A-Za-z0-9._\-/]{0,511}$/.test(prefix)) throw new Error('invalid object key prefix');
    await this.ensureBucket();
    let token: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix || undefined, ContinuationToken: token }),
        );
      } catch (err) {
        this.fail('list', prefix, err);
      }
      for (const o of page.Contents ?? []) if (o.Key) yield { key: o.Key, size: o.Size ?? 0 };
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async fetchUrl(key: string, ttlSeconds: number): Promise<string> {
    assertObjectKey(key);
    await this.ensureBucket();
    const expiresIn = Math.max(1, Math.min(Math.floor(ttlSeconds), S3_MAX_PRESIGN_SECONDS));
    return getSignedUrl(this.signer, new GetObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn });
  }

  /** For the admin console: does the store answer, and is the bucket there (created if not)? */
  async check(): Promise<ObjectStoreCheck> {
    const t0 = Date.now();
    const base = { kind: 's3' as const, endpoint: this.opts.endpoint ?? `aws:${this.opts.region}`, bucket: this.bucket };
    try {
      await this.ensureBucket();
      await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, MaxKeys: 1 }));
      return { ok: true, ...base, latencyMs: Date.now() - t0 };
    } catch (err) {
      return { ok: false, ...base, latencyMs: Date.now() - t0, message: err instanceof UpstreamError ? err.message : `S3 request failed (${errName(err)})` };
    }
  }

  /** Writes a small object, reads it back, compares and deletes it (creating the bucket if it is
   *  missing). Never throws; the message names the failed step and the reason. */
  async probe(): Promise<ObjectStoreProbe> {
    const t0 = Date.now();
    const endpoint = this.opts.endpoint ?? `AWS S3 (${this.opts.region})`;
    const location = `${endpoint}, bucket ${this.bucket}`;
    const key = `slipway-connection-test/${randomUUID()}`;
    const body = randomBytes(32);
    let step = 'Writing a test object';
    try {
      const put = () => this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/octet-stream' }));
      try {
        await put();
      } catch (err) {
        if (errName(err) !== 'NoSuchBucket') throw err;
        step = `Creating bucket ${this.bucket}`;
        await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
        step = 'Writing a test object';
        await put();
      }
      step = 'Reading the test object back';
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      const read = Buffer.from((await out.Body?.transformToByteArray()) ?? []);
      if (!read.equals(body)) return { ok: false, kind: 's3', location, latencyMs: Date.now() - t0, message: 'The test object read back differs from what was written.' };
      step = 'Deleting the test object';
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
      const ms = Date.now() - t0;
      return { ok: true, kind: 's3', location, latencyMs: ms, message: `Wrote, read back and deleted a test object in bucket ${this.bucket} (${ms} ms).` };
    } catch (err) {
      return { ok: false, kind: 's3', location, latencyMs: Date.now() - t0, message: `${step} failed: ${describeS3Error(err, endpoint, this.bucket)}` };
    }
  }

  close(): void {
    this.client.destroy();
    if (this.signer !== this.client) this.signer.destroy();
  }
}
