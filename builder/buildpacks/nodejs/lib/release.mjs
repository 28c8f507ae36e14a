// nodejs buildpack, bin/release BUILD_DIR: `web: npm start` (npm is in the slug, on PATH through
// .profile.d/nodejs.sh).
export function main() {
  process.stdout.write('---\ndefault_process_types:\n  web: npm start\n');
}
