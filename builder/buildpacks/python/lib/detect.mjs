// python buildpack, bin/detect BUILD_DIR: requirements.txt, .python-version, runtime.txt, setup.py
// or pyproject.toml at the root.
import { existsSync } from 'node:fs';
import path from 'node:path';

const MARKERS = ['requirements.txt', '.python-version', 'runtime.txt', 'setup.py', 'pyproject.toml'];

export function main() {
  const buildDir = process.argv[2] ?? '.';
  if (MARKERS.some((f) => existsSync(path.join(buildDir, f)))) {
    process.stdout.write('Python\n');
    process.exit(0);
  }
  process.exit(1);
}
