// The data dir's private parts. Builds and dynos run sandboxed as their app's own uid, and bubblewrap
// opens what it binds into a sandbox as that uid: the data dir, apps/, builds/ and cache/ are
// traversable but not listable (no tenant code ever runs outside its sandbox, where none of these
// paths exist). Everything else that holds other apps' code or the platform's secrets is 0700
// (root-only when the platform runs as root).
import { chmod, mkdir } from 'node:fs/promises';
import type { Config } from './config.js';

export async function preparePrivateDirs(config: Config): Promise<void> {
  const { paths } = config;
  for (const dir of [paths.objects, paths.repos, paths.logs]) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
  }
  for (const dir of [paths.apps, paths.builds, paths.cache]) {
    await mkdir(dir, { recursive: true, mode: 0o711 });
    await chmod(dir, 0o711);
  }
}
