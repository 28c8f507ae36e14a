// Yarn 2 and newer ("Berry") in the nodejs buildpack, as Heroku's Node.js buildpack runs it: the
// Yarn the project pins — its committed release (`yarnPath` in .yarnrc.yml, what `yarn set
// version` writes to .yarn/releases), else `packageManager` in package.json (what corepack reads),
// else engines.yarn — installed from the npm registry's @yarnpkg/cli-dist when not committed;
// `yarn install --immutable` against the build's registry; devDependencies pruned with
// `yarn workspaces focus --all --production` (built into Yarn 4; Yarn 2 and 3 need the
// workspace-tools plugin, else they are kept, as Heroku does). A `yarn` command in the slug runs
// the same Yarn (Plug'n'Play apps start with `yarn start`).
// Leaves out: verifying packageManager's +sha512 suffix (a hash of repo.yarnpkg.com's file; the
// npm package's own integrity is checked instead), Yarn's constraints and plugins' downloads.
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { detail, fail } from '../../_shared/kit.mjs';

/** Whether the project uses Yarn 2+: a Berry lockfile, a .yarnrc.yml, or packageManager yarn@2+. */
export function isBerry(buildDir, pkg) {
  const lock = path.join(buildDir, 'yarn.lock');
  if (existsSync(lock) && /^__metadata:/m.test(readFileSync(lock, 'utf8'))) return true;
  if (existsSync(path.join(buildDir, '.yarnrc.yml'))) return true;
  const m = typeof pkg.packageManager === 'string' ? /^yarn@(\d+)\./.exec(pkg.packageManager) : null;
  if (m !== null) return Number(m[1]) >= 2;
  const e = pkg.engines && typeof pkg.engines.yarn === 'string' ? /^[\s^~>=v]*(\d+)/.exec(pkg.engines.yarn) : null;
  return e !== null && Number(e[1]) >= 2;
}

/** `key: value` lines of .yarnrc.yml that matter here (a flat YAML subset: yarnPath, plugins). */
function readYarnrc(buildDir) {
  const file = path.join(buildDir, '.yarnrc.yml');
  if (!existsSync(file)) return { yarnPath: null, plugins: '' };
  const text = readFileSync(file, 'utf8');
  const yarnPath = /^yarnPath:\s*["']?([^"'\n]+?)["']?\s*$/m.exec(text)?.[1] ?? null;
  return { yarnPath, plugins: text };
}

/**
 * Puts the project's Yarn in place; returns { cli (yarn.js to run with node), version, how }.
 * `tools` installs packages from the npm registry (tools.mjs).
 */
export async function installBerry(buildDir, pkg, tools) {
  const rc = readYarnrc(buildDir);
  let cli;
  let version;
  let how;
  if (rc.yarnPath) {
    const rel = path.normalize(rc.yarnPath);
    if (path.isAbsolute(rel) || rel.startsWith('..')) fail(`.yarnrc.yml yarnPath "${rc.yarnPath}" must be a path inside the app`);
    cli = path.join(buildDir, rel);
    if (!existsSync(cli)) fail(`.yarnrc.yml names yarnPath ${rc.yarnPath}, which is not in the app: commit it (yarn set version writes it)`);
    version = /yarn-(\d+\.\d+\.\d+[^/]*?)\.c?js$/.exec(rel)?.[1] ?? 'from yarnPath';
    how = `yarnPath ${rc.yarnPath}`;
  } else {
    const declared = typeof pkg.packageManager === 'string' ? /^yarn@([^+]+)/.exec(pkg.packageManager)?.[1] : undefined;
    const engines = pkg.engines && typeof pkg.engines.yarn === 'string' ? pkg.engines.yarn : undefined;
    const range = declared ?? engines ?? '4.x';
    how = declared ? `packageManager yarn@${declared}` : engines ? `engines.yarn ${engines}` : 'no version pinned: the latest Yarn 4';
    const installed = await tools.installPackage('@yarnpkg/cli-dist', range, 'Yarn');
    // into the slug (the cache is not there when the app runs)
    const home = path.join(tools.nodeHome, 'lib', 'yarn-berry');
    rmSync(home, { recursive: true, force: true });
    mkdirSync(path.dirname(home), { recursive: true });
    cpSync(installed.dir, home, { recursive: true, verbatimSymlinks: true });
    cli = path.join(home, 'bin', 'yarn.js');
    version = installed.version;
  }
  const major = Number(/^(\d+)\./.exec(version)?.[1] ?? 4);
  detail(`Using Yarn ${version} (${how})`);
  // `yarn` in the slug runs this same Yarn (a path relative to the shim: the slug moves)
  const bin = path.join(tools.nodeHome, 'bin');
  mkdirSync(bin, { recursive: true });
  const relCli = path.relative(bin, cli);
  const shim = `#!/bin/sh\n# Yarn ${version} (${how.replace(/\n/g, ' ')}), written by the Slipway nodejs buildpack\nhere=$(dirname "$0")\nexec "$here/node" "$here/${relCli}" "$@"\n`;
  for (const name of ['yarn', 'yarnpkg']) {
    writeFileSync(path.join(bin, name), shim);
    chmodSync(path.join(bin, name), 0o755);
  }
  return { cli, version, major, focus: major >= 4 || /@yarnpkg\/plugin-workspace-tools|workspace-tools/.test(rc.plugins) };
}

/** Yarn's settings for the build: the build's registry, caches in CACHE_DIR, no telemetry. (An
 *  extra CA reaches Yarn through NODE_EXTRA_CA_CERTS, which the build already sets.) */
export function berryEnv(registry, cacheDir) {
  const env = {
    YARN_NPM_REGISTRY_SERVER: registry.replace(/\/+$/, ''),
    YARN_CACHE_FOLDER: path.join(cacheDir, 'yarn-berry', 'cache'),
    YARN_GLOBAL_FOLDER: path.join(cacheDir, 'yarn-berry', 'global'),
    YARN_ENABLE_GLOBAL_CACHE: 'false',
    YARN_ENABLE_TELEMETRY: '0',
    YARN_ENABLE_PROGRESS_BARS: 'false',
    YARN_ENABLE_IMMUTABLE_INSTALLS: 'true',
  };
  return env;
}
