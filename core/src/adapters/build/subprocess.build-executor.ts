// BuildExecutor as a child process on this machine (local runtime): runs the builder CLI
// (`node builder/dist/cli.js <request.json>`) through the CommandRunner with a clean environment
// (PATH, HOME inside workDir, LANG, the npm CA file if one is configured — never the platform's
// own environment), streams its lines, and reads <workDir>/result.json.
// Promises: the build is killed at its deadline or on abort (process group, SIGTERM then SIGKILL),
// and afterwards any process still carrying this build's marker in its environment is killed, so
// nothing of the build keeps running; config vars reach the CLI in a 0600 file that is removed
// when the build ends. A user build failure resolves { ok: false }; a builder that crashes or
// writes no result rejects with CommandFailedError (infrastructure: retry).
// Leaves out: isolation beyond a clean environment (the build runs as this user; swarm uses a
// container), fetching the source, storing the slug.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CommandFailedError } from '../../errors.js';
import type { BuildExecution, BuildExecutor, BuildRequest } from '../../ports/build-executor.port.js';
import type { CommandRunner } from '../../ports/command-runner.port.js';
import { SAFE_PATH } from '../command/spawn.command-runner.js';

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
  processMark?: string | undefined;
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

/** The request JSON for a build; a container executor passes its own mount paths. */
export function toBuilderRequest(
  req: BuildRequest,
  settings: BuilderSettings,
  paths: { sourceDir: string; workDir: string; cacheDir: string } = req,
  processMark?: string,
): BuilderRequestJson {
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
    ...(processMark ? { processMark } : {}),
  };
}

export interface SubprocessBuildExecutorSpec extends BuilderSettings {
  runner: CommandRunner;
  /** Node binary that runs the CLI (usually process.execPath). */
  nodeBin: string;
  /** builder/dist/cli.js */
  cliPath: string;
  /** Extra time after req.timeoutMs before the CLI itself is killed (it stops its buildpacks first). */
  killSlackMs?: number;
}

const MARK_VAR = 'SLIPWAY_BUILD_MARK';

export class SubprocessBuildExecutor implements BuildExecutor {
  constructor(private readonly spec: SubprocessBuildExecutorSpec) {}

  async run(req: BuildRequest, onLine: (line: string) => void): Promise<BuildExecution> {
    const home = path.join(req.workDir, 'home');
    await mkdir(home, { recursive: true, mode: 0o700 });
    const mark = randomBytes(12).toString('hex');
    const requestFile = path.join(req.workDir, 'request.json');
    const resultFile = path.join(req.workDir, 'result.json');
    await rm(resultFile, { force: true });
    const nodeDir = path.dirname(this.spec.nodeBin);
    const searchPath = this.spec.path ?? `${nodeDir}:${SAFE_PATH}`;
    const request = toBuilderRequest(req, { ...this.spec, path: searchPath }, req, mark);
    await writeFile(requestFile, JSON.stringify(request), { mode: 0o600 });
    const env: Record<string, string> = { PATH: searchPath, HOME: home, LANG: 'C.UTF-8', [MARK_VAR]: mark };
    if (this.spec.npmCaFile) env.NODE_EXTRA_CA_CERTS = this.spec.npmCaFile;
    let result;
    try {
      result = await this.spec.runner.run({
        file: this.spec.nodeBin,
        args: [this.spec.cliPath, requestFile],
        cwd: req.workDir,
        env,
        timeoutMs: req.timeoutMs + (this.spec.killSlackMs ?? 5_000),
        signal: req.signal,
        onLine: (line) => onLine(line),
      });
    } finally {
      await rm(requestFile, { force: true });
      await killMarked(mark);
    }
    if (result.timedOut) {
      const message = `Build timed out after ${Math.round(req.timeoutMs / 1000)} s`;
      onLine(`!     Build failed: ${message}`);
      return { ok: false, message };
    }
    if (req.signal.aborted) return { ok: false, message: 'Build cancelled' };
    const execution = await readResult(resultFile);
    if (result.exitCode === 1 && execution && !execution.ok) return execution;
    if (result.exitCode === 0 && execution?.ok) {
      const slugPath = path.join(req.workDir, 'slug.tgz');
      const size = (await stat(slugPath)).size;
      if (size !== execution.artifact.size) throw new CommandFailedError('builder reported a slug size that does not match the file');
      return { ok: true, artifact: { ...execution.artifact, slugPath } };
    }
    throw new CommandFailedError(`builder exited with ${result.exitCode === null ? `signal ${result.signal}` : `code ${result.exitCode}`}`);
  }
}

async function readResult(file: string): Promise<BuildExecution | null> {
  const text = await readFile(file, 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    const parsed = JSON.parse(text) as BuildExecution;
    return typeof parsed === 'object' && parsed !== null && typeof parsed.ok === 'boolean' ? parsed : null;
  } catch {
    return null;
  }
}

/**
 * SIGKILLs every process whose environment carries this build's marker (Linux /proc): children
 * that left the process group (setsid, daemons) cannot outlive the build.
 */
export async function killMarked(mark: string): Promise<number> {
  const needle = Buffer.from(`${MARK_VAR}=${mark}\0`);
  let killed = 0;
  for (let round = 0; round < 5; round++) {
    const pids = await readdir('/proc').catch(() => [] as string[]);
    let found = 0;
    for (const pid of pids) {
      if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
      const environ = await readFile(`/proc/${pid}/environ`).catch(() => null);
      if (!environ || environ.indexOf(needle) < 0) continue;
      try {
        process.kill(Number(pid), 'SIGKILL');
        found++;
      } catch {
        // already gone
      }
    }
    killed += found;
    if (!found) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return killed;
}
