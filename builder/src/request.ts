// The builder CLI's input: one JSON file, `node cli.js <request.json>`. Everything the build needs
// is in here — the CLI reads no environment variables — so an executor (subprocess or container)
// controls exactly what a build sees. Paths are as the CLI sees them (a container executor writes
// its mount points). Config vars travel in `env`; the executor writes the file readable by its
// owner only and removes it after the build.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import type { BuilderRequestJson } from '@slipway/core/adapters/build/subprocess.build-executor';

export const BUILDER_REQUEST_VERSION = 1;

const absPath = z.string().min(1).refine((p) => p.startsWith('/'), 'must be an absolute path');

export const BuilderRequestSchema = z.object({
  version: z.literal(BUILDER_REQUEST_VERSION),
  buildId: z.string().min(1).max(100),
  appName: z.string().min(1).max(100),
  /** Commit being built (SOURCE_VERSION for buildpacks); optional. */
  commit: z.string().max(100).optional(),
  /** Checked-out source; read only. */
  sourceDir: absPath,
  /** Fresh directory: build dir, env dir, slug.tgz and result.json go here. */
  workDir: absPath,
  /** Per-app cache kept between builds (CACHE_DIR for every buildpack). */
  cacheDir: absPath,
  /** Directory holding the built-in buildpacks (nodejs/, python/, static/, procfile/). */
  buildpacksDir: absPath,
  /** Buildpacks named by the app: built-in names or git URLs (`url#ref`); empty: `.buildpacks` or detection. */
  buildpacks: z.array(z.string().min(1).max(2048)).max(16),
  /** Config vars, one file each in ENV_DIR. */
  env: z.record(z.string(), z.string()),
  timeoutMs: z.number().int().positive(),
  stack: z.string().min(1).max(64),
  /** PATH for buildpacks (the stack's node must be on it). */
  path: z.string().min(1),
  npm: z.object({
    registry: z.string().url(),
    /** Extra CA bundle for the registry (NODE_EXTRA_CA_CERTS / npm cafile); optional. */
    caFile: absPath.optional(),
  }),
  /** `host` or `host:port` entries exempt from the private-address check for buildpack git URLs. */
  allowedBuildpackHosts: z.array(z.string().min(1).max(300)).max(100),
});

export type BuilderRequest = z.infer<typeof BuilderRequestSchema>;

// The executors in core build this JSON without importing the builder; keep the shapes identical.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _sameShape: Same<BuilderRequest, BuilderRequestJson> = true;
void _sameShape;

export async function readBuilderRequest(file: string): Promise<BuilderRequest> {
  const raw: unknown = JSON.parse(await readFile(file, 'utf8'));
  const parsed = BuilderRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid builder request: ${lines.join('; ')}`);
  }
  return parsed.data;
}
