// procfile buildpack, bin/detect BUILD_DIR: a Procfile (used when no other buildpack detects).
import { existsSync } from 'node:fs';
import path from 'node:path';

export function main() {
  if (existsSync(path.join(process.argv[2] ?? '.', 'Procfile'))) {
    process.stdout.write('Procfile\n');
    process.exit(0);
  }
  process.exit(1);
}
