// package.json's "cacheDirectories", as Heroku's Node.js buildpack honours them: directories of
// the app (node_modules, a framework's .cache…) restored from CACHE_DIR before dependencies are
// installed and saved back after the build scripts ran (before devDependencies are pruned).
// NODE_MODULES_CACHE=false turns it off. Paths must stay inside the app.
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { detail, fail } from '../../_shared/kit.mjs';

/** The validated list, or [] when package.json names none. */
export function cacheDirectories(pkg) {
  const list = pkg.cacheDirectories ?? pkg.cache_directories;
  if (list === undefined) return [];
  if (!Array.isArray(list) || !list.every((d) => typeof d === 'string' && d.trim())) fail('package.json "cacheDirectories" must be a list of directory names');
  return list.map((d) => {
    const rel = path.normalize(d.trim()).replace(/\/+$/, '');
    if (path.isAbsolute(rel) || rel === '.' || rel.startsWith('..')) fail(`package.json "cacheDirectories": "${d}" must be a directory inside the app`);
    return rel;
  });
}

const store = (cacheDir) => path.join(cacheDir, 'node', 'cache-directories');

export function restoreCacheDirectories(dirs, buildDir, cacheDir, config) {
  if (!dirs.length) return;
  if (config.NODE_MODULES_CACHE === 'false') return void detail('Restoring cacheDirectories: skipped (NODE_MODULES_CACHE=false)');
  detail('Restoring cacheDirectories (package.json)');
  for (const d of dirs) {
    const from = path.join(store(cacheDir), d);
    const to = path.join(buildDir, d);
    if (!existsSync(from)) detail(`- ${d} (not cached yet)`);
    else if (existsSync(to)) detail(`- ${d} (in the app already: not restored)`);
    else {
      mkdirSync(path.dirname(to), { recursive: true });
      cpSync(from, to, { recursive: true, verbatimSymlinks: true });
      detail(`- ${d}`);
    }
  }
}

export function saveCacheDirectories(dirs, buildDir, cacheDir, config) {
  if (!dirs.length || config.NODE_MODULES_CACHE === 'false') return;
  detail('Caching cacheDirectories (package.json)');
  for (const d of dirs) {
    const from = path.join(buildDir, d);
    const to = path.join(store(cacheDir), d);
    rmSync(to, { recursive: true, force: true });
    if (!existsSync(from)) {
      detail(`- ${d} (not there after the build: nothing cached)`);
      continue;
    }
    mkdirSync(path.dirname(to), { recursive: true });
    cpSync(from, to, { recursive: true, verbatimSymlinks: true });
    detail(`- ${d}`);
  }
}
