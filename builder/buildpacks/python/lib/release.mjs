// python buildpack, bin/release: no default process types (say how to run the app in a Procfile).
export function main() {
  process.stdout.write('---\ndefault_process_types: {}\n');
}
