// RepoStore on the local filesystem: <reposDir>/<app>.git, bare, created with `git init --bare`
// (file + argv). Names are validated app names, so paths cannot leave reposDir.
import { mkdir, rename, rm, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CommandRunner } from '@slipway/core/ports/command-runner.port';
import { CommandFailedError } from '@slipway/core/errors';
import { validateAppName } from '@slipway/core/naming';
import type { RepoStore } from '../services/git-repos.port.js';

export class FsRepoStore implements RepoStore {
  constructor(private readonly deps: { dir: string; runner: CommandRunner; hookPath: string }) {}

  pathOf(appName: string): string {
    return path.join(this.deps.dir, `${validateAppName(appName)}.git`);
  }

  async create(appName: string): Promise<void> {
    const dir = this.pathOf(appName);
    await mkdir(this.deps.dir, { recursive: true });
    await rm(dir, { recursive: true, force: true });
    const res = await this.deps.runner.run({ file: 'git', args: ['init', '--quiet', '--bare', '--initial-branch=main', '--', dir] });
    if (res.exitCode !== 0) throw new CommandFailedError(`could not create the git repository for ${appName}`);
    await this.configure(dir);
  }

  /** Settings every app repo needs; also applied to repos created before a change here. */
  async configure(dir: string): Promise<void> {
    const set = async (key: string, value: string) => {
      const r = await this.deps.runner.run({ file: 'git', args: ['config', '--file', path.join(dir, 'config'), key, value] });
      if (r.exitCode !== 0) throw new CommandFailedError(`could not configure ${dir}`);
    };
    await set('core.hooksPath', path.dirname(this.deps.hookPath));
    await set('receive.denyNonFastForwards', 'false');
    await set('receive.denyDeletes', 'true');
    await set('http.receivepack', 'true');
    await set('uploadpack.allowFilter', 'false');
    await rm(path.join(dir, 'hooks'), { recursive: true, force: true });
  }

  async rename(from: string, to: string): Promise<void> {
    await rename(this.pathOf(from), this.pathOf(to));
  }

  async remove(appName: string): Promise<void> {
    await rm(this.pathOf(appName), { recursive: true, force: true });
  }

  async size(appName: string): Promise<number> {
    const walk = async (dir: string): Promise<number> => {
      let total = 0;
      for (const e of await readdir(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        total += e.isDirectory() ? await walk(p) : (await stat(p)).size;
      }
      return total;
    };
    return walk(this.pathOf(appName)).catch(() => 0);
  }
}
