// Test support: s3rver (an S3-protocol server from npm) on a free port with a temporary directory,
// recording each request's method and query. It checks signatures: its only key pair is
// S3RVER / S3RVER.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
// @ts-expect-error s3rver ships no types
import S3rver from 's3rver';

export interface S3rverHandle {
  url: string;
  requests: string[];
  close(): Promise<void>;
}

export const S3RVER_KEYS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export async function startS3rver(): Promise<S3rverHandle> {
  const dir = await mkdtemp(path.join(tmpdir(), 'slw-s3rver-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', directory: dir, silent: true });
  const requests: string[] = [];
  // s3rver is a Koa app: record each request's method and query (first in the chain)
  (server.middleware as unknown[]).unshift(async (ctx: { method: string; querystring: string }, next: () => Promise<void>) => {
    requests.push(`${ctx.method} ${ctx.querystring}`);
    await next();
  });
  const { port } = (await server.run()) as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async close() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
