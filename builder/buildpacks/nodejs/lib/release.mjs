// nodejs buildpack, bin/release BUILD_DIR: `web: npm start` when npm start can start something —
// package.json has a "start" script, or there is a server.js (npm start's own default) — as
// Heroku's Node.js buildpack decides; otherwise no default process types (the Procfile says).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export function main() {
  const buildDir = process.argv[2] ?? '.';
  let start = false;
  try {
    const pkg = JSON.parse(readFileSync(path.join(buildDir, 'package.json'), 'utf8'));
    start = typeof pkg?.scripts?.start === 'string' && pkg.scripts.start.trim() !== '';
  } catch {
    start = false;
  }
  if (start || existsSync(path.join(buildDir, 'server.js'))) process.stdout.write('---\ndefault_process_types:\n  web: npm start\n');
  else process.stdout.write('---\ndefault_process_types: {}\n');
}
