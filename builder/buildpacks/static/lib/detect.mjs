// static buildpack, bin/detect BUILD_DIR: index.html at the root, or a static.json.
import { existsSync } from 'node:fs';
import path from 'node:path';

export function main() {
  const buildDir = process.argv[2] ?? '.';
  if (existsSync(path.join(buildDir, 'index.html')) || existsSync(path.join(buildDir, 'static.json'))) {
    process.stdout.write('Static\n');
    process.exit(0);
  }
  process.exit(1);
}
