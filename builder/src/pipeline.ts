// The build pipeline, transport-free: copy the source into a fresh build dir, write ENV_DIR, pick
// buildpacks (the request's list > `.buildpacks` > detection in order nodejs, python, static,
// procfile), run detect/compile/release for each, read the Procfile (its types override the
// buildpacks' default_process_types) and pack the slug (tar.gz, no .git) with size and sha256.
// Output is Heroku-style: "-----> Detecting…", "-----> Compiling with …" stage lines, details
// indented by 7 spaces, and a failure ends with "!     Build failed: <reason>".
// Leaves out: fetching the source and storing the slug (the worker), process isolation (executors).
import { chmod, cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BuildArtifact, BuildExecution } from '@slipway/core/ports/build-executor.port';
import type { CommandRunner } from '@slipway/core/ports/command-runner.port';
import { packSlug } from '@slipway/core/domain/slug-archive';
import { ValidationError } from '@slipway/core/errors';
import type { Lookup } from './address-policy.js';
import { BuildFailure } from './build-failure.js';
import { compile, detect, release, type PreparedBuildpack, type ScriptContext } from './buildpack-run.js';
import { BUILTIN_BUILDPACKS, cloneBuildpack, parseBuildpackRef, parseBuildpacksFile, type BuildpackRef } from './buildpack-source.js';
import { parseProcfile } from './procfile.js';
import type { BuilderRequest } from './request.js';

export interface PipelineSpec {
  request: BuilderRequest;
  runner: CommandRunner;
  onLine: (line: string) => void;
  signal?: AbortSignal;
  /** DNS for git buildpack hosts (tests may pin it). */
  lookup?: Lookup;
  now?: () => number;
}

const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
export const SLUG_FILE = 'slug.tgz';
export const RESULT_FILE = 'result.json';

interface Dirs { build: string; cache: string; env: string; home: string; tmp: string; buildpacks: string }

/** Runs a build; resolves ok:false for the app's own failures, rejects for internal errors. */
export async function runPipeline(spec: PipelineSpec): Promise<BuildExecution> {
  const req = spec.request;
  const now = spec.now ?? Date.now;
  const deadline = now() + req.timeoutMs;
  const timeoutMessage = `Build timed out after ${Math.round(req.timeoutMs / 1000)} s`;
  const dirs: Dirs = {
    build: path.join(req.workDir, 'build'), env: path.join(req.workDir, 'env'), home: path.join(req.workDir, 'home'),
    tmp: path.join(req.workDir, 'tmp'), buildpacks: path.join(req.workDir, 'buildpacks'), cache: req.cacheDir,
  };
  const ctx: ScriptContext = {
    runner: spec.runner,
    env: buildpackEnv(req, dirs),
    remaining: () => {
      const left = deadline - now();
      if (left <= 0) throw new BuildFailure(timeoutMessage);
      return left;
    },
    timeoutMessage,
    signal: spec.signal,
    onLine: spec.onLine,
  };
  try {
    const artifact = await build(spec, dirs, ctx);
    return { ok: true, artifact };
  } catch (err) {
    if (!(err instanceof BuildFailure)) throw err;
    const message = spec.signal?.aborted ? 'Build cancelled' : err.message;
    spec.onLine(`!     Build failed: ${message}`);
    return { ok: false, message };
  } finally {
    // Config values stay on disk only while the build runs; the build dir is in the slug now.
    await rm(dirs.env, { recursive: true, force: true });
    await rm(dirs.build, { recursive: true, force: true });
    await rm(dirs.tmp, { recursive: true, force: true });
    await rm(dirs.buildpacks, { recursive: true, force: true });
  }
}

function buildpackEnv(req: BuilderRequest, dirs: Dirs): Record<string, string> {
  const env: Record<string, string> = {
    PATH: req.path,
    HOME: dirs.home,
    LANG: 'C.UTF-8',
    TMPDIR: dirs.tmp,
    STACK: req.stack,
    npm_config_registry: req.npm.registry,
    npm_config_update_notifier: 'false',
  };
  if (req.commit) env.SOURCE_VERSION = req.commit;
  if (req.npm.caFile) {
    env.NODE_EXTRA_CA_CERTS = req.npm.caFile;
    env.npm_config_cafile = req.npm.caFile;
  }
  return env;
}

async function build(spec: PipelineSpec, dirs: Dirs, ctx: ScriptContext): Promise<BuildArtifact> {
  const req = spec.request;
  const say = spec.onLine;
  await prepareDirs(req, dirs);

  const named = req.buildpacks.length ? req.buildpacks : await buildpacksFile(dirs.build);
  const chosen: Array<{ bp: PreparedBuildpack; name: string }> = [];
  say(`-----> Detecting buildpack${named.length > 1 ? 's' : ''}`);
  if (named.length) {
    const refs = named.map(parseBuildpackRef);
    for (const [i, ref] of refs.entries()) {
      const bp = await prepare(ref, i, spec, dirs, ctx);
      const name = await detect(bp, dirs.build, ctx);
      if (name === null) throw new BuildFailure(`App not compatible with buildpack: ${ref.display}`);
      say(`-----> ${name} app detected`);
      chosen.push({ bp, name });
    }
  } else {
    for (const builtin of BUILTIN_BUILDPACKS) {
      const bp = { dir: path.join(req.buildpacksDir, builtin), display: builtin };
      const name = await detect(bp, dirs.build, ctx);
      if (name !== null) {
        say(`-----> ${name} app detected`);
        chosen.push({ bp, name });
        break;
      }
    }
    if (!chosen.length) {
      throw new BuildFailure('No buildpack detected this app: add a package.json, requirements.txt, index.html or Procfile, or name a buildpack');
    }
  }

  for (const { bp, name } of chosen) {
    say(`-----> Compiling with ${name}`);
    await compile(bp, name, { build: dirs.build, cache: dirs.cache, env: dirs.env }, ctx);
  }

  say('-----> Discovering process types');
  const defaults: Record<string, string> = {};
  for (const { bp, name } of chosen) Object.assign(defaults, await release(bp, name, dirs.build, ctx));
  const procfileText = await readFile(path.join(dirs.build, 'Procfile'), 'utf8').catch(() => null);
  const procfile = procfileText === null ? {} : parseProcfile(procfileText);
  const processTypes = { ...defaults, ...procfile };
  if (procfileText !== null) say(`       Procfile declares types     -> ${Object.keys(procfile).join(', ') || '(none)'}`);
  const fromDefaults = Object.keys(defaults).filter((t) => !(t in procfile));
  if (fromDefaults.length) say(`       Default types for buildpack -> ${fromDefaults.join(', ')}`);
  if (!Object.keys(processTypes).length) say('       No process types: add a Procfile to run this app');

  ctx.remaining();
  say('-----> Compressing...');
  const slugPath = path.join(req.workDir, SLUG_FILE);
  let packed: { size: number; sha256: string };
  try {
    packed = await packSlug(dirs.build, slugPath);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    throw new BuildFailure(`the built app cannot be deployed: ${err.message}`);
  }
  const { size, sha256 } = packed;
  say(`       Done: ${formatSize(size)}`);
  ctx.remaining();
  return {
    slugPath, size, sha256, processTypes,
    buildpack: chosen.map((c) => c.bp.display).join(', '),
    stack: req.stack,
  };
}

async function prepareDirs(req: BuilderRequest, dirs: Dirs): Promise<void> {
  for (const d of [dirs.env, dirs.home, dirs.tmp, dirs.buildpacks]) {
    await rm(d, { recursive: true, force: true });
    await mkdir(d, { recursive: true, mode: 0o700 });
  }
  await mkdir(dirs.cache, { recursive: true });
  await rm(dirs.build, { recursive: true, force: true });
  await cp(req.sourceDir, dirs.build, {
    recursive: true,
    verbatimSymlinks: true,
    filter: (src) => path.relative(req.sourceDir, src) !== '.git',
  });
  await mkdir(dirs.build, { recursive: true });
  for (const [key, value] of Object.entries(req.env)) {
    if (!ENV_KEY.test(key)) continue;
    const file = path.join(dirs.env, key);
    await writeFile(file, value, { mode: 0o600 });
    await chmod(file, 0o600);
  }
}

async function buildpacksFile(buildDir: string): Promise<string[]> {
  const text = await readFile(path.join(buildDir, '.buildpacks'), 'utf8').catch(() => null);
  return text === null ? [] : parseBuildpacksFile(text);
}

async function prepare(ref: BuildpackRef, index: number, spec: PipelineSpec, dirs: Dirs, ctx: ScriptContext): Promise<PreparedBuildpack> {
  if (ref.kind === 'builtin') return { dir: path.join(spec.request.buildpacksDir, ref.name), display: ref.display };
  const dir = path.join(dirs.buildpacks, String(index));
  spec.onLine(`       Fetching buildpack ${ref.display}`);
  await cloneBuildpack({
    ref, dir, runner: spec.runner, env: ctx.env, timeoutMs: Math.min(ctx.remaining(), 120_000),
    allowedHosts: spec.request.allowedBuildpackHosts, onLine: spec.onLine, signal: spec.signal, lookup: spec.lookup,
  });
  return { dir, display: ref.display };
}

function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)}M`;
  return `${Math.max(1, Math.round(bytes / 1024))}K`;
}
