// Fake: /proc/self/{mountinfo,cgroup} and the cgroup file systems are plain files in a temp dir
// (this machine has v1 controllers; the v2 layout cannot be mounted here). What is checked is which
// hierarchy is chosen, where the groups go and which limit files get which values; the real v1
// groups are exercised by the sandboxed build and dyno tests.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cgroups, parseMountinfo, parseProcCgroup } from './cgroups.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'slw-cgroups-'));
});
afterAll(async () => rm(tmp, { recursive: true, force: true }));

async function fakeProc(name: string, mountinfo: string, cgroup: string): Promise<string> {
  const proc = path.join(tmp, name, 'proc');
  await mkdir(path.join(proc, 'self'), { recursive: true });
  await writeFile(path.join(proc, 'self', 'mountinfo'), mountinfo);
  await writeFile(path.join(proc, 'self', 'cgroup'), cgroup);
  return proc;
}

describe('cgroups', () => {
  it('reads mountinfo (escaped paths, optional fields) and /proc/self/cgroup', () => {
    const m = parseMountinfo('36 25 0:31 / /sys/fs/cgroup/cpu\\040x rw,nosuid shared:9 - cgroup cgroup rw,cpu,cpuacct\n');
    expect(m).toEqual([{ root: '/', mountPoint: '/sys/fs/cgroup/cpu x', fstype: 'cgroup', options: ['rw', 'cpu', 'cpuacct'] }]);
    expect(parseProcCgroup('4:memory:/a/b\n0::/c\n')).toEqual([
      { hierarchyId: '4', controllers: ['memory'], path: '/a/b' },
      { hierarchyId: '0', controllers: [''], path: '/c' },
    ]);
  });

  it('v1: groups go inside this process\'s own group of each controller, with memory, CPU and process limits', async () => {
    const fs = path.join(tmp, 'v1fs');
    const mountinfo = ['memory', 'cpu', 'pids'].map((c, i) => `${30 + i} 25 0:${40 + i} / ${fs}/${c} rw - cgroup cgroup rw,${c}`).join('\n');
    const proc = await fakeProc('v1', mountinfo, '4:memory:/svc/me\n3:pids:/\n1:cpu:/\n');
    for (const c of ['memory', 'cpu', 'pids']) await mkdir(path.join(fs, c), { recursive: true });
    const cg = (await Cgroups.detect('tag1', proc))!;
    expect(cg.version).toBe('v1');
    const g = await cg.create('dyno-x', { memoryMb: 512, cpus: 0.5, pids: 256 });
    expect(g.dirs).toEqual([`${fs}/memory/svc/me/slipway-tag1/dyno-x`, `${fs}/cpu/slipway-tag1/dyno-x`, `${fs}/pids/slipway-tag1/dyno-x`]);
    expect(await readFile(path.join(g.dirs[0]!, 'memory.limit_in_bytes'), 'utf8')).toBe(String(512 * 1024 * 1024));
    expect(await readFile(path.join(g.dirs[1]!, 'cpu.cfs_quota_us'), 'utf8')).toBe('50000');
    expect(await readFile(path.join(g.dirs[2]!, 'pids.max'), 'utf8')).toBe('256');
    // the apps together weigh as one busy process per core, not as one process
    expect(await readFile(`${fs}/cpu/slipway-tag1/cpu.shares`, 'utf8')).toBe(String(1024 * availableParallelism()));
    expect(cg.open(g.dirs)?.dirs).toEqual(g.dirs);
    expect(cg.open(['/elsewhere/a', '/elsewhere/b', '/elsewhere/c'])).toBeNull(); // only this installation's
  });

  it('v2: groups go beside this process\'s own group, with the controllers delegated to them', async () => {
    const fs = path.join(tmp, 'v2fs');
    await mkdir(path.join(fs, 'system.slice', 'worker.service'), { recursive: true });
    await writeFile(path.join(fs, 'cgroup.controllers'), 'cpuset cpu io memory pids\n');
    const proc = await fakeProc('v2', `30 25 0:40 / ${fs} rw - cgroup2 cgroup2 rw\n`, '0::/system.slice/worker.service\n');
    const cg = (await Cgroups.detect('tag2', proc))!;
    expect(cg.version).toBe('v2');
    expect(await readFile(path.join(fs, 'system.slice', 'cgroup.subtree_control'), 'utf8')).toBe('+memory +cpu +pids');
    const g = await cg.create('build-1', { memoryMb: 1024, cpus: 2, pids: 2048 });
    expect(g.dirs).toEqual([`${fs}/system.slice/slipway-tag2/build-1`]);
    const read = (f: string) => readFile(path.join(g.dirs[0]!, f), 'utf8');
    expect([await read('memory.max'), await read('cpu.max'), await read('pids.max')]).toEqual([String(1024 * 1024 * 1024), '200000 100000', '2048']);
    expect(await readFile(`${fs}/system.slice/slipway-tag2/cpu.weight`, 'utf8')).toBe(String(100 * availableParallelism()));
  });

  it('no usable controllers: null (nothing to limit with)', async () => {
    const fs = path.join(tmp, 'none');
    await mkdir(fs, { recursive: true });
    await writeFile(path.join(fs, 'cgroup.controllers'), 'hugetlb\n');
    const proc = await fakeProc('none', `30 25 0:40 / ${fs} rw - cgroup2 cgroup2 rw\n`, '0::/\n');
    expect(await Cgroups.detect('tag3', proc)).toBeNull();
  });
});
