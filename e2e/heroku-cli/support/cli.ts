// Test support: runs the real `heroku` CLI (npm heroku@11, installed by scripts/test) against the
// tier's stack, as one of its users. Each user has their own HOME (netrc, git config, CLI cache),
// so logins and git credential helpers do not leak between them. The CLI is pointed at Slipway the
// way the README tells a user to: HEROKU_HOST, HEROKU_PARTICLEBOARD_URL and
// HEROKU_BUILDPACK_REGISTRY_URL name the api's HTTPS port; NODE_EXTRA_CA_CERTS (and git's
// GIT_SSL_CAINFO) trust the platform CA.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { inject } from 'vitest';
import type { CliStack, CliUser } from './global-setup.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, in arrival order. */
  output: string;
}

export interface RunOptions {
  cwd?: string;
  input?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;

export function stackInfo(): CliStack {
  return inject('cli');
}

export function caFile(s: CliStack = stackInfo()): string {
  return path.join(s.dataDir, 'ca', 'ca.crt');
}

/** The environment a user of Slipway gives the Heroku CLI (plus a private HOME: one per test
 *  file's process, as test files run two at a time and the CLI keeps state files there). */
export function cliEnv(user: CliUser | null, name: string, s: CliStack = stackInfo()): Record<string, string> {
  const home = path.join(s.scratch, `home-${name}-${process.pid}-${process.env.VITEST_POOL_ID ?? '0'}`);
  mkdirSync(home, { recursive: true });
  const cliBinDir = path.resolve(s.bin, '..', '..', '..', '.bin');
  return {
    PATH: `${cliBinDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: home,
    LANG: 'C.UTF-8',
    HEROKU_HOST: s.httpsUrl,
    HEROKU_PARTICLEBOARD_URL: s.httpsUrl,
    HEROKU_BUILDPACK_REGISTRY_URL: `${s.httpsUrl}/buildpack-registry`,
    NODE_EXTRA_CA_CERTS: caFile(s),
    GIT_SSL_CAINFO: caFile(s),
    DISABLE_TELEMETRY: 'true',
    HEROKU_SKIP_NEW_VERSION_CHECK: 'true',
    NO_COLOR: '1',
    OCLIF_COLUMNS: '400', // errors unwrapped, so tests can read them whole
    GIT_TERMINAL_PROMPT: '0',
    GIT_AUTHOR_NAME: name,
    GIT_AUTHOR_EMAIL: `${name}@example.com`,
    GIT_COMMITTER_NAME: name,
    GIT_COMMITTER_EMAIL: `${name}@example.com`,
    ...(user ? { HEROKU_API_KEY: user.token } : {}),
  };
}

export class Heroku {
  constructor(readonly name: string, readonly user: CliUser | null, private readonly s: CliStack = stackInfo()) {}

  static as(name: keyof CliStack['users']): Heroku {
    const s = stackInfo();
    return new Heroku(name, s.users[name], s);
  }

  /** A user of the CLI who is not signed in (no HEROKU_API_KEY): `login` writes their netrc. */
  static signedOut(name: string): Heroku {
    return new Heroku(name, null);
  }

  get env(): Record<string, string> {
    return cliEnv(this.user, this.name, this.s);
  }

  run(args: string[], opts: RunOptions = {}): Promise<CliResult> {
    return runProcess(process.execPath, [this.s.bin, ...args], { ...opts, env: { ...this.env, ...opts.env } });
  }
}

export function runProcess(file: string, args: string[], opts: RunOptions & { env: Record<string, string> }): Promise<CliResult> {
  return new Promise((resolve) => {
    const p = spawn(file, args, { cwd: opts.cwd ?? stackInfo().scratch, env: opts.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let output = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => ((stdout += d), (output += d)));
    p.stderr.setEncoding('utf8').on('data', (d: string) => ((stderr += d), (output += d)));
    p.stdin.on('error', () => undefined);
    p.stdin.end(opts.input ?? '');
    const timer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    p.on('close', (code, signal) => {
      clearTimeout(timer);
      const clean = (t: string) => t.replace(ANSI, '');
      resolve({ code: code ?? (signal ? 128 : 1), stdout: clean(stdout), stderr: clean(stderr), output: clean(output) });
    });
  });
}

/** Asserts a CLI run succeeded, with its output in the failure message. */
export function ok(r: CliResult): CliResult {
  if (r.code !== 0) throw new Error(`heroku exited with ${r.code}:\n${r.output}`);
  return r;
}
