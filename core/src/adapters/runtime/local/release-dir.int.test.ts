// The local runtime's release directories through the real unpack path (validation, then GNU tar):
// setuid/setgid bits never survive, a hostile slug is refused before anything is written, and a
// second release of the same slug reuses the unpacked files.
import { chmod, mkdtemp, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { create } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsObjectStore } from '../../object-store/fs.object-store.js';
import { SpawnCommandRunner } from '../../command/spawn.command-runner.js';
import { packSlug, sha256File } from '../../../domain/slug-archive.js';
import type { ReleaseSpec } from '../../../ports/runtime.port.js';
import { ensureReleaseDir } from './release-dir.js';

let dir: string;
let objects: FsObjectStore;
const commands = new SpawnCommandRunner();
const appId = '11111111-2222-4333-8444-555555555555';

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'slw-reldir-'));
  objects = new FsObjectStore(path.join(dir, 'objects'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function slugSpec(version: number, key: string, file: string): Promise<ReleaseSpec> {
  await objects.putFile(key, file);
  const size = (await stat(file)).size;
  return {
    app: { id: appId, name: 'reldir', orgId: appId },
    release: { id: `r${version}`, version },
    artifact: { kind: 'slug', objectKey: key, sha256: await sha256File(file), size },
    env: {},
    processes: [],
    plan: { cpu: 1, memoryMb: 512, maxReplicas: 1 },
    healthCheckPath: null,
    routing: { hostnames: [], maintenance: false },
  };
}

describe('release directories', () => {
  it('gives the files to the app\'s uid, drops setuid/setgid bits, nothing writable by others', async () => {
    const src = path.join(dir, 'src');
    await mkdir(path.join(src, 'bin'), { recursive: true });
    await writeFile(path.join(src, 'bin', 'tool'), '#!/bin/sh\necho hi\n');
    await chmod(path.join(src, 'bin', 'tool'), 0o6777);
    const slug = path.join(dir, 'suid.tgz');
    await packSlug(src, slug);
    const apps = path.join(dir, 'apps');
    const uid = process.getuid?.() === 0 ? 1_234_567 : null;
    const out = await ensureReleaseDir({ appsDir: apps, objects, commands }, await slugSpec(1, `slugs/${appId}/a.tgz`, slug), () => undefined, uid);
    const st = await stat(path.join(out, 'bin', 'tool'));
    if (uid !== null) expect([st.uid, st.gid]).toEqual([uid, uid]);
    const mode = st.mode & 0o7777;
    expect(mode & 0o7000).toBe(0);
    expect(mode & 0o022).toBe(0);
    expect(mode & 0o005).toBe(0o005);

    // the same slug for another release: linked, not unpacked again
    const lines: string[] = [];
    const again = await ensureReleaseDir({ appsDir: apps, objects, commands }, await slugSpec(2, `slugs/${appId}/a.tgz`, slug), (l) => lines.push(l), uid);
    expect(lines.join('\n')).toMatch(/Reusing the unpacked slug of v1/);
    expect((await stat(path.join(again, 'bin', 'tool'))).ino).toBe((await stat(path.join(out, 'bin', 'tool'))).ino);
  });

  it('refuses a slug with ../ entries before writing anything', async () => {
    const src = path.join(dir, 'evil');
    await mkdir(src, { recursive: true });
    await writeFile(path.join(src, 'x'), 'x');
    const evil = path.join(dir, 'evil.tgz');
    await create({ gzip: true, file: evil, cwd: src, preservePaths: true, onWriteEntry: (e: { path: string }) => { e.path = '../../escaped'; } } as never, ['x']);
    const apps = path.join(dir, 'apps-evil');
    await expect(ensureReleaseDir({ appsDir: apps, objects, commands }, await slugSpec(3, `slugs/${appId}/evil.tgz`, evil), () => undefined, null)).rejects.toThrow(/refused/);
    expect(await readdir(path.join(dir)).then((n) => n.includes('escaped'))).toBe(false);
    expect(await readdir(path.join(apps, appId, 'releases')).catch(() => [])).toEqual([]);
  });
});
