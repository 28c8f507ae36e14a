// Where the builder's runnable parts are in this checkout: the compiled CLI and the built-in
// buildpacks. For composition roots (the worker) and tests; the CLI itself never uses this.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BuilderPaths {
  /** builder/dist/cli.js (run with node). */
  cliPath: string;
  /** builder/buildpacks (nodejs/, python/, static/, procfile/). */
  buildpacksDir: string;
}

export function builderPaths(): BuilderPaths {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  return { cliPath: path.join(root, 'dist', 'cli.js'), buildpacksDir: path.join(root, 'buildpacks') };
}
