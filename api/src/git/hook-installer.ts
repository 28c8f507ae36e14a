// The pre-receive hook every app repository uses (core.hooksPath points at its directory). The
// hook file is a two-line launcher written at api start-up with the absolute path of this node and
// of the compiled hook, so it works whatever PATH git gives it.
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '@slipway/core/config/config';

export const hookPath = (config: Config): string => path.join(config.dataDir, 'git-hooks', 'pre-receive');

export async function installHook(config: Config): Promise<void> {
  const target = hookPath(config);
  const script = fileURLToPath(new URL('./pre-receive.hook.js', import.meta.url));
  await mkdir(path.dirname(target), { recursive: true });
  await writeFile(target, `#!${process.execPath}\nimport(${JSON.stringify(script)});\n`, { mode: 0o755 });
  await chmod(target, 0o755);
}
