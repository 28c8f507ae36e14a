// Test helpers: build a fixture directory through the real SubprocessBuildExecutor and builder CLI
// (builder/dist/cli.js, so `tsc -b` must have run) in its real sandbox (as an app uid of a range of
// its own, with the egress guard), unpack the slug, and run a command in it the way a runtime would
// (.profile.d/*.sh sourced, $HOME = the app dir). Not used in production.
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SubprocessBuildExecutor } from '@slipway/core/adapters/build/subprocess.build-executor';
import { SAFE_PATH, SpawnCommandRunner } from '@slipway/core/adapters/command/spawn.command-runner';
import { createLogger } from '@slipway/core/logger';
import { SandboxHost } from '@slipway/core/adapters/sandbox/sandbox-host';
import { memoryAppUids, testUidRange } from '@slipway/core/adapters/sandbox/sandbox.testing';
import { unpackSlug } from '@slipway/core/domain/slug-archive';
import type { BuildExecution } from '@slipway/core/ports/build-executor.port';
import { builderPaths } from '../paths.js';

export interface BuildCase {
  source: string;
  cacheDir: string;
  caFile?: string;
  env?: Record<string, string>;
  buildpacks?: string[];
  allowedBuildpackHosts?: string[];
  timeoutMs?: number;
  signal?: AbortSignal;
  memoryMb?: number;
  appId?: string;
}

export interface BuildOutcome {
  result: BuildExecution;
  lines: string[];
  workDir: string;
  ms: number;
}

export class BuildHarness {
  private readonly dirs: string[] = [];
  private sandbox: SandboxHost | null = null;
  private readonly uidRange = testUidRange();
  readonly uids = memoryAppUids(this.uidRange);

  /** The harness's sandbox host; its egress guard lets builds reach the first build's allowed hosts. */
  private async host(allowedHosts: string[]): Promise<SandboxHost> {
    this.sandbox ??= new SandboxHost({
      dataDir: await this.tempDir('slw-data-'), uidRange: this.uidRange, allowedHosts,
      commands: new SpawnCommandRunner(), logger: createLogger({ level: 'error', name: 'build-harness' }),
    });
    return this.sandbox;
  }

  async build(c: BuildCase): Promise<BuildOutcome> {
    const workDir = await this.tempDir('slw-build-');
    const paths = builderPaths();
    const executor = new SubprocessBuildExecutor({
      runner: new SpawnCommandRunner(2_000),
      sandbox: await this.host(c.allowedBuildpackHosts ?? []),
      uids: this.uids,
      limits: async () => ({ memoryMb: c.memoryMb ?? 2048, cpus: 2, pids: 2048 }),
      logger: createLogger({ level: 'error', name: 'build-harness' }),
      nodeBin: process.execPath,
      cliPath: paths.cliPath,
      buildpacksDir: paths.buildpacksDir,
      stack: 'slipway-test',
      npmRegistry: 'https://registry.npmjs.org/',
      npmCaFile: c.caFile,
      allowedBuildpackHosts: c.allowedBuildpackHosts ?? [],
      killSlackMs: 3_000,
    });
    const lines: string[] = [];
    const started = Date.now();
    const result = await executor.run({
      buildId: `b-${path.basename(workDir)}`, appId: c.appId ?? 'app-1', appName: 'test-app', sourceDir: c.source, workDir,
      cacheDir: c.cacheDir, env: c.env ?? {}, buildpacks: c.buildpacks ?? [], timeoutMs: c.timeoutMs ?? 50_000, // below the integration tier's 60 s test timeout
      signal: c.signal ?? new AbortController().signal,
    }, (line) => lines.push(line));
    return { result, lines, workDir, ms: Date.now() - started };
  }

  /** Unpacks a successful build's slug into a fresh directory (another path than the build's). */
  async unpack(outcome: BuildOutcome): Promise<string> {
    if (!outcome.result.ok) throw new Error(`build failed: ${outcome.result.message}\n${outcome.lines.join('\n')}`);
    const dir = await this.tempDir('slw-slug-');
    await unpackSlug(outcome.result.artifact.slugPath, dir);
    return dir;
  }

  /** Runs argv in an unpacked slug as a runtime would: profile scripts sourced, HOME = app dir. */
  runInSlug(appDir: string, argv: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
    const script = 'for f in .profile.d/*.sh; do [ -f "$f" ] && . "./$f"; done; exec "$@"';
    return new Promise((resolve) => {
      execFile('/bin/bash', ['-c', script, 'slug', ...argv], { cwd: appDir, env: { PATH: SAFE_PATH, HOME: appDir, ...env }, timeout: 30_000 },
        (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }));
    });
  }

  /** A fresh directory sandboxed builds can reach (others may traverse it, as a data dir). */
  async tempDir(prefix: string): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), prefix));
    await chmod(dir, 0o755);
    this.dirs.push(dir);
    return dir;
  }

  async cleanup(): Promise<void> {
    await this.sandbox?.close();
    for (const d of this.dirs.splice(0)) await rm(d, { recursive: true, force: true });
  }
}
