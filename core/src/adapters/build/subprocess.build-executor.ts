// BuildExecutor on this machine (local runtime): the builder CLI, bundled into one file, runs in a
// bubblewrap sandbox (sandbox-command.ts) as the app's own unprivileged uid, in its own cgroup with
// the build limits from settings (memory, CPU, processes). Inside, the build sees the system
// read-only and, at stable paths (the same as in the swarm's builder container):
//   /slipway/source   the pushed source (read-only)      /slipway/work   its work dir (BUILD_DIR is
//   /slipway/cache    the app's cache (CACHE_DIR)                         /slipway/work/build)
//   /slipway/builder  the CLI and the built-in buildpacks   /tmp          a private scratch dir
// and nothing else: not the data dir, other apps, the platform's sockets or its environment. Its
// network reaches the internet (the npm registry) but nothing of the platform (egress-guard.ts).
// Promises: config vars reach the CLI in a 0600 request file of the build's own uid, removed when
// the build ends; the build is killed at its deadline or on abort; when it ends (or the worker dies)
// every process of it is gone — its PID namespace ends with it and its cgroup is emptied; the slug
// and result are read only after that, and only if they are regular files (a build cannot point
// them at the host's files). A user build failure (or running out of memory) resolves
// { ok: false }; a builder that crashes or writes no result rejects with CommandFailedError.
// Leaves out: fetching the source and storing the slug (the worker).
import { randomBytes } from 'node:crypto';
import { chmod, chown, cp, lstat, mkdir, readdir, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CommandFailedError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { AppUids } from '../../ports/app-uids.port.js';
import type { BuildExecution, BuildExecutor, BuildRequest } from '../../ports/build-executor.port.js';
import type { CommandRunner } from '../../ports/command-runner.port.js';
import { SAFE_PATH } from '../command/spawn.command-runner.js';
import type { CgroupLimits } from '../sandbox/cgroups.js';
import { sandboxCommand, type SandboxMount } from '../sandbox/sandbox-command.js';
import { assertTraversable, type SandboxHost } from '../sandbox/sandbox-host.js';
import { bundleBuilderCli } from './builder-bundle.js';

/** The builder CLI's request file (builder/src/request.ts validates it; the shapes are checked equal). */
export interface BuilderRequestJson {
  version: 1;
  buildId: string;
  appName: string;
  commit?: string | undefined;
  sourceDir: string;
  workDir: string;
  cacheDir: string;
  buildpacksDir: string;
  buildpacks: string[];
  env: Record<string, string>;
  timeoutMs: number;
  stack: string;
  path: string;
  npm: { registry: string; caFile?: string | undefined };
  allowedBuildpackHosts: string[];
}

export interface BuilderSettings {
  /** Directory of the built-in buildpacks as the CLI sees it. */
  buildpacksDir: string;
  stack: string;
  npmRegistry: string;
  /** CA bundle for the npm registry (NODE_EXTRA_CA_CERTS / npm cafile), if the machine needs one. */
  npmCaFile?: string;
  /** `host` or `host:port` a buildpack git URL may point to even if it is private (operator setting). */
  allowedBuildpackHosts: string[];
  /** PATH for buildpacks; the stack's node must be on it. */
  path?: string;
}

/** The request JSON for a build, with the paths as the CLI sees them. */
export function toBuilderRequest(req: BuildRequest, settings: BuilderSettings, paths: { sourceDir: string; workDir: string; cacheDir: string }): BuilderRequestJson {
  return {
    version: 1,
    buildId: req.buildId,
    appName: req.appName,
    ...(req.commit ? { commit: req.commit } : {}),
    sourceDir: paths.sourceDir,
    workDir: paths.workDir,
    cacheDir: paths.cacheDir,
    buildpacksDir: settings.buildpacksDir,
    buildpacks: [...req.buildpacks],
    env: { ...req.env },
    timeoutMs: req.timeoutMs,
    stack: settings.stack,
    path: settings.path ?? SAFE_PATH,
    npm: { registry: settings.npmRegistry, ...(settings.npmCaFile ? { caFile: settings.npmCaFile } : {}) },
    allowedBuildpackHosts: [...settings.allowedBuildpackHosts],
  };
}

export interface SubprocessBuildExecutorSpec {
  runner: CommandRunner;
  sandbox: SandboxHost;
  uids: AppUids;
  /** Build limits (settings), read when each build starts. */
  limits: () => Promise<CgroupLimits>;
  /** Node binary that runs the CLI (usually process.execPath); bound into the sandbox. */
  nodeBin: string;
  /** builder/dist/cli.js (bundled at first use). */
  cliPath: string;
  /** builder/buildpacks on this machine (copied next to the bundle). */
  buildpacksDir: string;
  stack: string;
  npmRegistry: string;
  npmCaFile?: string;
  allowedBuildpackHosts: string[];
  logger: Logger;
  /** Extra time after req.timeoutMs before the CLI itself is killed (it stops its buildpacks first). */
  killSlackMs?: number;
}

/** Where things are inside the build's sandbox (also the swarm builder container's layout). */
export const IN_BUILD = { source: '/slipway/source', work: '/slipway/work', cache: '/slipway/cache', builder: '/slipway/builder', bin: '/slipway/bin' };
const MAX_RESULT_BYTES = 1024 * 1024;

export class SubprocessBuildExecutor implements BuildExecutor {
  private builder: Promise<string> | null = null;
  private ca: Promise<string> | null = null;

  constructor(private readonly spec: SubprocessBuildExecutorSpec) {}

  async run(req: BuildRequest, onLine: (line: string) => void): Promise<BuildExecution> {
    const host = await this.spec.sandbox.ready();
    const builderDir = await this.builderDir();
    const uid = host.privileged ? await this.spec.uids.uidOf(req.appId) : null;
    const user = uid === null ? null : { uid, gid: uid };
    const scratch = path.join(req.workDir, '.sandbox-tmp');
    await this.prepareDirs(req, scratch, uid);
    const requestFile = path.join(req.workDir, 'request.json');
    const resultFile = path.join(req.workDir, 'result.json');
    await rm(resultFile, { force: true });
    const request = toBuilderRequest(req, {
      buildpacksDir: `${IN_BUILD.builder}/buildpacks`, stack: this.spec.stack, npmRegistry: this.spec.npmRegistry,
      npmCaFile: this.spec.npmCaFile, allowedBuildpackHosts: this.spec.allowedBuildpackHosts, path: `${IN_BUILD.bin}:${SAFE_PATH}`,
    }, { sourceDir: IN_BUILD.source, workDir: IN_BUILD.work, cacheDir: IN_BUILD.cache });
    await writeFile(requestFile, JSON.stringify(request), { mode: 0o600 });
    if (uid !== null) await chown(requestFile, uid, uid);

    const limits = await this.spec.limits();
    const group = host.cgroups ? await host.cgroups.create(`build-${req.buildId.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 60)}-${randomBytes(3).toString('hex')}`, limits) : null;
    const mounts: SandboxMount[] = [
      ...host.systemMounts,
      ...(uid === null ? [] : await this.spec.sandbox.identityFiles(uid)),
      { kind: 'ro', src: await realpath(this.spec.nodeBin), dest: `${IN_BUILD.bin}/node` },
      { kind: 'ro', src: builderDir, dest: IN_BUILD.builder },
      { kind: 'ro', src: req.sourceDir, dest: IN_BUILD.source },
      { kind: 'rw', src: req.workDir, dest: IN_BUILD.work },
      { kind: 'rw', src: req.cacheDir, dest: IN_BUILD.cache },
      { kind: 'rw', src: scratch, dest: '/tmp' },
    ];
    const ca = this.spec.npmCaFile;
    // a copy the sandbox can reach, at the path the configuration names
    if (ca) mounts.push({ kind: 'ro', src: await this.caCopy(ca), dest: ca });
    const cmd = sandboxCommand({
      user, hostname: 'build', mounts, cwd: IN_BUILD.work, cgroupProcs: group?.procsFiles ?? [], dieWithParent: true,
      argv: [`${IN_BUILD.bin}/node`, `${IN_BUILD.builder}/cli.mjs`, `${IN_BUILD.work}/request.json`],
    });
    const env: Record<string, string> = { PATH: `${IN_BUILD.bin}:${SAFE_PATH}`, HOME: `${IN_BUILD.work}/home`, LANG: 'C.UTF-8' };
    if (ca) env.NODE_EXTRA_CA_CERTS = ca;
    let result;
    let oom = 0;
    try {
      result = await this.spec.runner.run({
        ...cmd, cwd: '/', env, timeoutMs: req.timeoutMs + (this.spec.killSlackMs ?? 5_000), signal: req.signal, onLine: (line) => onLine(line),
      });
    } finally {
      // nothing of the build survives it: its PID namespace is gone with bwrap; the cgroup says so
      oom = (await group?.oomKills()) ?? 0;
      await group?.remove();
      await rm(requestFile, { force: true });
    }
    if (result.timedOut) {
      const message = `Build timed out after ${Math.round(req.timeoutMs / 1000)} s`;
      onLine(`!     Build failed: ${message}`);
      return { ok: false, message };
    }
    if (req.signal.aborted) return { ok: false, message: 'Build cancelled' };
    if (oom > 0) {
      const message = `Build ran out of memory (limit ${limits.memoryMb} MB)`;
      onLine(`!     Build failed: ${message}`);
      return { ok: false, message };
    }
    const execution = parseResult(await readOwnFile(resultFile, MAX_RESULT_BYTES));
    if (result.exitCode === 1 && execution && !execution.ok) return execution;
    if (result.exitCode === 0 && execution?.ok) {
      const slugPath = path.join(req.workDir, 'slug.tgz');
      const st = await lstat(slugPath).catch(() => null);
      if (!st?.isFile() || st.nlink !== 1) throw new CommandFailedError('the build left no slug file (or not a plain file)');
      if (st.size !== execution.artifact.size) throw new CommandFailedError('builder reported a slug size that does not match the file');
      return { ok: true, artifact: { ...execution.artifact, slugPath } };
    }
    throw new CommandFailedError(`builder exited with ${result.exitCode === null ? `signal ${result.signal}` : `code ${result.exitCode}`}`);
  }

  /** The npm CA bundle, copied once next to the builder (its own directory may be private). */
  private caCopy(file: string): Promise<string> {
    this.ca ??= (async () => {
      const copy = path.join(await this.builderDir(), 'npm-ca.pem');
      await cp(file, copy);
      await chmod(copy, 0o644);
      return copy;
    })().catch((err: unknown) => {
      this.ca = null;
      throw err;
    });
    return this.ca;
  }

  /** The work dir and scratch dir belong to the build's uid; the cache too (it may have changed). */
  private async prepareDirs(req: BuildRequest, scratch: string, uid: number | null): Promise<void> {
    await mkdir(req.cacheDir, { recursive: true });
    await mkdir(scratch, { recursive: true });
    await assertTraversable(req.sourceDir);
    for (const dir of [req.workDir, req.cacheDir]) await assertTraversable(path.dirname(dir));
    if (uid === null) return;
    await chown(req.workDir, uid, uid);
    await chmod(req.workDir, 0o700);
    await chown(scratch, uid, uid);
    await chmod(scratch, 0o1777);
    if ((await stat(req.cacheDir)).uid !== uid) {
      const res = await this.spec.runner.run({ file: 'chown', args: ['-R', '-h', `${uid}:${uid}`, '--', req.cacheDir], timeoutMs: 120_000 });
      if (res.exitCode !== 0) throw new CommandFailedError(`could not hand the build cache to the app's user (chown exited with ${res.exitCode})`);
    }
    await chmod(req.cacheDir, 0o700);
  }

  /** <sandbox dir>/builder-<id>: the bundled CLI and a copy of the built-in buildpacks, readable
   *  by every sandbox uid (made once per worker). */
  private builderDir(): Promise<string> {
    this.builder ??= (async () => {
      const bundle = await bundleBuilderCli(this.spec.cliPath);
      const dir = path.join(this.spec.sandbox.dir, `builder-${process.pid}-${randomBytes(3).toString('hex')}`);
      await rm(dir, { recursive: true, force: true });
      await mkdir(dir, { recursive: true, mode: 0o755 });
      await writeFile(path.join(dir, 'cli.mjs'), bundle, { mode: 0o644 });
      await cp(this.spec.buildpacksDir, path.join(dir, 'buildpacks'), { recursive: true });
      const res = await this.spec.runner.run({ file: 'chmod', args: ['-R', 'u+rwX,go+rX,go-w', '--', dir], timeoutMs: 60_000 });
      if (res.exitCode !== 0) throw new CommandFailedError('could not make the builder readable to builds');
      await removeOlderBuilders(this.spec.sandbox.dir, dir);
      return dir;
    })().catch((err: unknown) => {
      this.builder = null;
      throw err;
    });
    return this.builder;
  }
}

async function removeOlderBuilders(sandboxDir: string, keep: string): Promise<void> {
  for (const name of await readdir(sandboxDir).catch(() => [] as string[])) {
    const m = /^builder-(\d+)-[0-9a-f]+$/.exec(name);
    const full = path.join(sandboxDir, name);
    if (!m || full === keep) continue;
    let alive = false;
    try {
      process.kill(Number(m[1]), 0);
      alive = true;
    } catch {
      // its worker is gone
    }
    if (!alive) await rm(full, { recursive: true, force: true });
  }
}

/** A file the build wrote, read only if it is a plain file (not a link to the host's files). */
async function readOwnFile(file: string, max: number): Promise<string | null> {
  const st = await lstat(file).catch(() => null);
  if (!st?.isFile() || st.nlink !== 1 || st.size > max) return null;
  return readFile(file, 'utf8');
}

function parseResult(text: string | null): BuildExecution | null {
  if (text === null) return null;
  try {
    const parsed = JSON.parse(text) as BuildExecution;
    return typeof parsed === 'object' && parsed !== null && typeof parsed.ok === 'boolean' ? parsed : null;
  } catch {
    return null;
  }
}
