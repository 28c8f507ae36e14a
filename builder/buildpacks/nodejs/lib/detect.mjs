// nodejs buildpack, bin/detect BUILD_DIR: a package.json at the root.
import { existsSync } from 'node:fs';
import path from 'node:path';

export function main() {
  const buildDir = process.argv[2] ?? '.';
  if (existsSync(path.join(buildDir, 'package.json'))) {
    process.stdout.write('Node.js\n');
    process.exit(0);
  }
  process.exit(1);
}
