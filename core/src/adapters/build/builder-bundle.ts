// The builder CLI (builder/dist/cli.js and everything it imports) as one ESM file, bundled with
// esbuild, so a build can run it without seeing this checkout (its node_modules, its data dir):
// the swarm executor copies it into a builder container, the local one binds it into the sandbox.
// Leaves out: where the bundle goes (executors).
import { CommandFailedError } from '../../errors.js';

export async function bundleBuilderCli(entry: string): Promise<Buffer> {
  try {
    const esbuild = await import('esbuild');
    const out = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      logLevel: 'silent',
      banner: { js: "import { createRequire as __slwRequire } from 'node:module'; const require = __slwRequire(import.meta.url);" },
    });
    return Buffer.from(out.outputFiles[0]!.contents);
  } catch (err) {
    throw new CommandFailedError(`could not bundle the builder CLI: ${(err as Error).message.slice(0, 200)}`);
  }
}
