// python buildpack, bin/compile BUILD_DIR CACHE_DIR ENV_DIR.
// Uses the stack's python3 (it says which version; runtime.txt / .python-version can only warn,
// as one Python is installed). `pip install --target BUILD_DIR/.heroku/python` installs
// requirements.txt (or the app itself, given only setup.py / pyproject.toml) into the slug; no
// absolute paths are baked in, so the slug runs wherever it is unpacked: .profile.d/python.sh puts
// $HOME/.heroku/python on PYTHONPATH and its bin/ on PATH.
// Build isolation is off by default (no package index may be reachable; local-path requirements
// then build with the stack's setuptools); config var PIP_BUILD_ISOLATION=1 turns it back on.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { detail, entry, fail, mustRun, readEnvDir, run } from '../../_shared/kit.mjs';

function requestedVersion(buildDir) {
  for (const file of ['.python-version', 'runtime.txt']) {
    const p = path.join(buildDir, file);
    if (!existsSync(p)) continue;
    const text = readFileSync(p, 'utf8').split(/\r?\n/).map((l) => l.trim()).find((l) => l && !l.startsWith('#'));
    if (text) return { file, version: text.replace(/^python-/, '') };
  }
  return null;
}

function hasRequirements(file) {
  return readFileSync(file, 'utf8').split(/\r?\n/).some((l) => {
    const t = l.trim();
    return t !== '' && !t.startsWith('#');
  });
}

function profileScript() {
  return [
    '# Written by the Slipway python buildpack: sourced before each process starts ($HOME is the app dir).',
    'export PYTHONPATH="$HOME/.heroku/python${PYTHONPATH:+:$PYTHONPATH}"',
    'export PATH="$HOME/.heroku/python/bin:$PATH"',
    'export PYTHONUNBUFFERED="${PYTHONUNBUFFERED:-1}"',
    '',
  ].join('\n');
}

async function compile([buildDir, cacheDir, envDir]) {
  if (!buildDir || !cacheDir) fail('usage: bin/compile BUILD_DIR CACHE_DIR ENV_DIR');
  const config = readEnvDir(envDir);
  const env = {
    ...process.env,
    ...config,
    PIP_CACHE_DIR: path.join(cacheDir, 'pip'),
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    PIP_ROOT_USER_ACTION: 'ignore',
    PIP_NO_INPUT: '1',
    PYTHONDONTWRITEBYTECODE: '1',
  };
  const probe = await run('python3', ['-c', 'import sys; print("%d.%d.%d" % sys.version_info[:3]); print(sys.executable)'], { env, capture: true, quiet: true });
  if (probe.code !== 0) fail('python3 is not available on this stack');
  const [version, executable] = probe.stdout.trim().split('\n');
  detail(`Using the stack's Python ${version} (${executable})`);
  const wanted = requestedVersion(buildDir);
  if (wanted) {
    const [wMaj, wMin] = wanted.version.split('.');
    const [maj, min] = version.split('.');
    if (wMaj !== maj || (wMin !== undefined && wMin !== min)) {
      detail(`Warning: ${wanted.file} asks for Python ${wanted.version}; this stack has Python ${version} only`);
    }
  }
  const pipCheck = await run('python3', ['-m', 'pip', '--version'], { env, capture: true, quiet: true });
  if (pipCheck.code !== 0) fail('pip is not installed on this stack (Debian package python3-pip)');

  const target = path.join(buildDir, '.heroku', 'python');
  mkdirSync(target, { recursive: true });
  const isolation = config.PIP_BUILD_ISOLATION === '1' ? [] : ['--no-build-isolation'];
  const base = ['-m', 'pip', 'install', '--target', target, '--upgrade', '--no-warn-script-location', '--retries', '2', '--timeout', '20', ...isolation];
  const requirements = path.join(buildDir, 'requirements.txt');
  if (existsSync(requirements)) {
    if (hasRequirements(requirements)) {
      detail('Installing requirements with pip');
      await mustRun('pip install -r requirements.txt', 'python3', [...base, '-r', 'requirements.txt'], { cwd: buildDir, env });
    } else {
      detail('requirements.txt lists no packages: nothing to install');
    }
  } else if (existsSync(path.join(buildDir, 'setup.py')) || existsSync(path.join(buildDir, 'pyproject.toml'))) {
    detail('Installing the app package with pip');
    await mustRun('pip install .', 'python3', [...base, '.'], { cwd: buildDir, env });
  } else {
    detail('No requirements.txt: nothing to install');
  }
  mkdirSync(path.join(buildDir, '.profile.d'), { recursive: true });
  writeFileSync(path.join(buildDir, '.profile.d', 'python.sh'), profileScript());
}

export function main() {
  return entry(compile);
}
