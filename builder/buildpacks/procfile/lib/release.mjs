// procfile buildpack, bin/release: no default process types (the Procfile gives them all).
export function main() {
  process.stdout.write('---\ndefault_process_types: {}\n');
}
