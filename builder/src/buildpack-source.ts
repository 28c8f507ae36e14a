// Where a buildpack comes from: a built-in name (nodejs, python, static, procfile; heroku/<name>
// aliases) or a git URL (`https://…`, optionally `#<branch-or-tag>`; `http://…` and `git://…`
// only for hosts an operator allowed).
// Git buildpacks are cloned with `git clone --depth 1 [--branch ref] -- url dir` through the
// CommandRunner: refs are validated (git ref rules, no leading "-"), other protocols are off,
// redirects are not followed, and the host must be public unless an operator allowed it.
// Leaves out: private buildpack registries (CNB), submodules, SSH URLs.
import { chmod, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CommandRunner } from '@slipway/core/ports/command-runner.port';
import { checkHost, type Lookup, systemLookup } from './address-policy.js';
import { BuildFailure } from './build-failure.js';

export const BUILTIN_BUILDPACKS = ['nodejs', 'python', 'static', 'procfile'] as const;
export type BuiltinName = (typeof BUILTIN_BUILDPACKS)[number];

const ALIASES: Record<string, BuiltinName> = {
  'heroku/nodejs': 'nodejs', 'heroku/node': 'nodejs', 'heroku/python': 'python',
  'heroku-community/static': 'static', 'heroku/static': 'static', 'heroku/procfile': 'procfile',
};

export type BuildpackRef =
  | { kind: 'builtin'; name: BuiltinName; display: string }
  | { kind: 'git'; url: string; ref: string | null; display: string };

const REF_RE = /^[A-Za-z0-9_][A-Za-z0-9._/+-]{0,199}$/;

/** Git's ref-name rules, plus: nothing that could read as an option. */
export function validateGitRef(ref: string): string {
  const bad =
    !REF_RE.test(ref) || ref.includes('..') || ref.includes('//') || ref.includes('@{') ||
    ref.endsWith('/') || ref.endsWith('.') || ref.endsWith('.lock') ||
    ref.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock'));
  if (bad) throw new BuildFailure(`buildpack ref "${printable(ref)}" is not a valid branch or tag name`);
  return ref;
}

/** Parses one buildpack reference as an app setting or a `.buildpacks` line names it. */
export function parseBuildpackRef(input: string): BuildpackRef {
  const text = input.trim();
  const builtin = (BUILTIN_BUILDPACKS as readonly string[]).includes(text) ? (text as BuiltinName) : ALIASES[text];
  if (builtin) return { kind: 'builtin', name: builtin, display: builtin };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BuildFailure(`buildpack "${printable(text)}" is neither a built-in buildpack (${BUILTIN_BUILDPACKS.join(', ')}) nor a URL`);
  }
  if (!['https:', 'http:', 'git:'].includes(url.protocol)) {
    throw new BuildFailure(`buildpack URL must use https, http or git, not ${printable(url.protocol.replace(/:$/, ''))}`);
  }
  if (!url.hostname) throw new BuildFailure('buildpack URL has no host');
  const ref = url.hash ? validateGitRef(decodeURIComponent(url.hash.slice(1))) : null;
  url.hash = '';
  return { kind: 'git', url: url.toString(), ref, display: redactUrl(url) + (ref ? `#${ref}` : '') };
}

/** The URL without credentials, for output and records. */
export function redactUrl(url: URL): string {
  if (!url.username && !url.password) return url.toString();
  const copy = new URL(url.toString());
  copy.username = '***';
  copy.password = '';
  return copy.toString();
}

/** Lines of a `.buildpacks` file: one reference per line, `#` comments and blank lines skipped. */
export function parseBuildpacksFile(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

export interface CloneSpec {
  ref: Extract<BuildpackRef, { kind: 'git' }>;
  dir: string;
  runner: CommandRunner;
  env: Record<string, string>;
  timeoutMs: number;
  allowedHosts: readonly string[];
  onLine: (line: string) => void;
  signal?: AbortSignal;
  lookup?: Lookup;
}

/** Clones a git buildpack into `spec.dir` and makes its bin/ scripts executable. */
export async function cloneBuildpack(spec: CloneSpec): Promise<void> {
  const url = new URL(spec.ref.url);
  const scheme = url.protocol.replace(/:$/, '');
  const allowed = new Set(spec.allowedHosts.map((h) => h.toLowerCase()));
  if (scheme !== 'https' && !allowed.has(url.host.toLowerCase()) && !allowed.has(url.hostname.toLowerCase())) {
    throw new BuildFailure(`buildpack URL must use https (${scheme}:// only for hosts an operator allowed): ${spec.ref.display}`);
  }
  const decision = await checkHost(url, spec.allowedHosts, spec.lookup ?? systemLookup);
  const config = ['-c', 'protocol.allow=never', '-c', `protocol.${scheme}.allow=always`, '-c', 'http.followRedirects=false'];
  let target = url.toString();
  if (decision.address) {
    if (scheme === 'git') {
      // git:// has no resolve override: connect to the checked address itself.
      const pinned = new URL(target);
      pinned.hostname = decision.address.includes(':') ? `[${decision.address}]` : decision.address;
      target = pinned.toString();
    } else {
      const port = url.port || (scheme === 'https' ? '443' : '80');
      const addr = decision.address.includes(':') ? `[${decision.address}]` : decision.address;
      config.push('-c', `http.curloptResolve=${url.hostname}:${port}:${addr}`);
    }
  }
  const args = [...config, 'clone', '--depth', '1', '--no-tags', ...(spec.ref.ref ? ['--branch', spec.ref.ref] : []), '--', target, spec.dir];
  const env = { ...spec.env, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', GIT_ASKPASS: '/bin/false' };
  const result = await spec.runner.run({
    file: 'git', args, env, timeoutMs: spec.timeoutMs, signal: spec.signal,
    onLine: (line) => spec.onLine(`       ${line}`),
  });
  if (result.timedOut) throw new BuildFailure(`fetching buildpack ${spec.ref.display} timed out`);
  if (result.exitCode !== 0) {
    throw new BuildFailure(`could not fetch buildpack ${spec.ref.display} (git clone exited with code ${result.exitCode ?? result.signal})`);
  }
  for (const script of ['detect', 'compile', 'release']) {
    const file = path.join(spec.dir, 'bin', script);
    const st = await stat(file).catch(() => undefined);
    if (st?.isFile()) await chmod(file, st.mode | 0o111);
    else if (script !== 'release') throw new BuildFailure(`buildpack ${spec.ref.display} has no bin/${script}`);
  }
}

function printable(s: string): string {
  const clean = s.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 80 ? `${clean.slice(0, 77)}...` : clean;
}
