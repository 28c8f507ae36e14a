// Running one buildpack's scripts under Heroku's contract: bin/detect BUILD_DIR (exit 0 and a name
// on stdout), bin/compile BUILD_DIR CACHE_DIR ENV_DIR (streamed output), bin/release BUILD_DIR
// (YAML with default_process_types). Every script gets the build's clean environment, the time
// left before the deadline, and the build's abort signal.
import { access } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { CommandRunner } from '@slipway/core/ports/command-runner.port';
import { PROCESS_TYPE_RULE } from '@slipway/core/naming';
import { BuildFailure } from './build-failure.js';

export interface ScriptContext {
  runner: CommandRunner;
  env: Record<string, string>;
  /** Milliseconds left before the build's deadline (throws when none). */
  remaining: () => number;
  timeoutMessage: string;
  signal?: AbortSignal;
  onLine: (line: string) => void;
}

export interface PreparedBuildpack {
  dir: string;
  display: string;
}

const FAILURE_LINE = /^ ?!\s+(.*)$/;

export async function detect(bp: PreparedBuildpack, buildDir: string, ctx: ScriptContext): Promise<string | null> {
  const r = await ctx.runner.run({
    file: path.join(bp.dir, 'bin', 'detect'), args: [buildDir], cwd: buildDir, env: ctx.env,
    timeoutMs: Math.min(ctx.remaining(), 60_000), signal: ctx.signal, captureStdout: true,
  });
  if (r.timedOut) throw new BuildFailure(`${bp.display}: bin/detect timed out`);
  if (r.exitCode !== 0) return null;
  return r.stdout.split('\n')[0]?.trim() || bp.display;
}

/**
 * Runs bin/compile, streaming its output. Lines in Heroku's error style (" !     …") are held back
 * until the next ordinary line: when the compile fails, the last of them becomes the reason.
 */
export async function compile(bp: PreparedBuildpack, name: string, dirs: { build: string; cache: string; env: string }, ctx: ScriptContext): Promise<void> {
  let held: string[] = [];
  const flush = () => {
    for (const l of held) ctx.onLine(l);
    held = [];
  };
  const r = await ctx.runner.run({
    file: path.join(bp.dir, 'bin', 'compile'), args: [dirs.build, dirs.cache, dirs.env], cwd: dirs.build, env: ctx.env,
    timeoutMs: ctx.remaining(), signal: ctx.signal,
    onLine: (line) => {
      if (FAILURE_LINE.test(line)) {
        held.push(line);
        return;
      }
      flush();
      ctx.onLine(line);
    },
  });
  if (r.timedOut) {
    flush();
    throw new BuildFailure(ctx.timeoutMessage);
  }
  if (ctx.signal?.aborted) {
    flush();
    throw new BuildFailure('Build cancelled');
  }
  if (r.exitCode === 0) {
    flush();
    return;
  }
  const last = held.pop();
  flush();
  const reason = last ? FAILURE_LINE.exec(last)![1]!.trim() : '';
  throw new BuildFailure(reason || `${name} buildpack failed (bin/compile exited with ${r.exitCode === null ? `signal ${r.signal}` : `code ${r.exitCode}`})`);
}

/** default_process_types from bin/release (an absent bin/release gives none). */
export async function release(bp: PreparedBuildpack, name: string, buildDir: string, ctx: ScriptContext): Promise<Record<string, string>> {
  const file = path.join(bp.dir, 'bin', 'release');
  if (!(await access(file).then(() => true, () => false))) return {};
  const r = await ctx.runner.run({
    file, args: [buildDir], cwd: buildDir, env: ctx.env, timeoutMs: Math.min(ctx.remaining(), 60_000), signal: ctx.signal, captureStdout: true,
  });
  if (r.exitCode !== 0) throw new BuildFailure(`${name} buildpack: bin/release exited with code ${r.exitCode ?? r.signal}`);
  let doc: unknown;
  try {
    doc = parseYaml(r.stdout) ?? {};
  } catch (err) {
    throw new BuildFailure(`${name} buildpack: bin/release printed invalid YAML (${(err as Error).message.split('\n')[0]})`);
  }
  const types = (doc && typeof doc === 'object' ? (doc as Record<string, unknown>).default_process_types : undefined) ?? {};
  if (typeof types !== 'object' || Array.isArray(types) || types === null) {
    throw new BuildFailure(`${name} buildpack: default_process_types must be a map of type to command`);
  }
  const out: Record<string, string> = {};
  const rule = new RegExp(PROCESS_TYPE_RULE);
  for (const [type, command] of Object.entries(types as Record<string, unknown>)) {
    if (!rule.test(type) || typeof command !== 'string' || !command.trim()) {
      throw new BuildFailure(`${name} buildpack: default process type "${type}" is invalid (type must match ${PROCESS_TYPE_RULE}, command must be text)`);
    }
    out[type] = command.trim();
  }
  return out;
}
