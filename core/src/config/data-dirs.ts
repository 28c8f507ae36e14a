// The data dir's private parts. Dynos run as an unprivileged user and must reach their own
// release dirs under apps/, so the data dir itself is traversable; everything else that holds
// other apps' code or the platform's secrets is 0700 (root-only when the platform runs as root).
import { chmod, mkdir } from 'node:fs/promises';
import type { Config } from './config.js';

export async function preparePrivateDirs(config: Config): Promise<void> {
  const { paths } = config;
  for (const dir of [paths.objects, paths.repos, paths.builds, paths.cache, paths.logs]) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700);
  }
  await mkdir(paths.apps, { recursive: true, mode: 0o711 });
}
