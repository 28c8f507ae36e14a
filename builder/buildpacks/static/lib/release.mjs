// static buildpack, bin/release: the web process is the bundled server on the stack's node.
export function main() {
  process.stdout.write('---\ndefault_process_types:\n  web: node .slipway/static/server.mjs\n');
}
