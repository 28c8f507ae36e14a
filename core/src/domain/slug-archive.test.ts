// Slug archives: real tar.gz files on disk; the malicious ones are assembled header by header.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, readdir, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Header, type HeaderData } from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { packSlug, unpackSlug } from './slug-archive.js';

let tmp: string;
beforeEach(async () => { tmp = await mkdtemp(path.join(tmpdir(), 'slug-test-')); });
afterEach(async () => { await rm(tmp, { recursive: true, force: true }); });

interface RawEntry { path: string; type: HeaderData['type']; body?: string; linkpath?: string; mode?: number }

/** A tar.gz built block by block, so it can hold whatever a hostile client would put in it. */
async function handMade(entries: RawEntry[]): Promise<string> {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? '');
    const h = new Header({
      path: e.path, type: e.type, size: body.length, mode: e.mode ?? (e.type === 'Directory' ? 0o755 : 0o644),
      linkpath: e.linkpath, mtime: new Date(0), uid: 0, gid: 0,
    });
    const block = Buffer.alloc(512);
    h.encode(block, 0);
    blocks.push(block, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  const file = path.join(tmp, `evil-${blocks.length}-${Math.random().toString(36).slice(2)}.tgz`);
  await writeFile(file, gzipSync(Buffer.concat(blocks)));
  return file;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(() => true, () => false);
}

describe('packSlug / unpackSlug', () => {
  it('round-trips files, modes and relative symlinks, leaves .git out, reports size and sha256', async () => {
    const src = path.join(tmp, 'src');
    await mkdir(path.join(src, 'node_modules/.bin'), { recursive: true });
    await mkdir(path.join(src, 'node_modules/pkg/bin'), { recursive: true });
    await mkdir(path.join(src, '.git/objects'), { recursive: true });
    await writeFile(path.join(src, '.git/HEAD'), 'ref: refs/heads/main\n');
    await writeFile(path.join(src, 'index.js'), 'console.log("hi")\n');
    await writeFile(path.join(src, 'node_modules/pkg/bin/cli.js'), '#!/usr/bin/env node\n');
    await chmod(path.join(src, 'node_modules/pkg/bin/cli.js'), 0o755);
    await symlink('../pkg/bin/cli.js', path.join(src, 'node_modules/.bin/cli'));

    const out = path.join(tmp, 'slug.tgz');
    const info = await packSlug(src, out);
    const bytes = await readFile(out);
    expect(info.size).toBe(bytes.length);
    expect(info.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));

    const dest = path.join(tmp, 'dest');
    await unpackSlug(out, dest);
    expect((await readdir(dest)).sort()).toEqual(['index.js', 'node_modules']);
    expect(await readFile(path.join(dest, 'index.js'), 'utf8')).toBe('console.log("hi")\n');
    expect((await stat(path.join(dest, 'node_modules/pkg/bin/cli.js'))).mode & 0o777).toBe(0o755);
    expect(await readlink(path.join(dest, 'node_modules/.bin/cli'))).toBe('../pkg/bin/cli.js');
  });

  it('refuses to pack symlinks that leave the directory, and FIFOs, leaving no file behind', async () => {
    for (const [name, make] of [
      ['absolute symlink', (src: string) => symlink('/etc/passwd', path.join(src, 'passwd'))],
      ['escaping symlink', (src: string) => symlink('../../..', path.join(src, 'up'))],
      ['escape through a symlink', async (src: string) => { await symlink('.', path.join(src, 's')); await symlink('s/..', path.join(src, 't')); }],
      ['fifo', (src: string) => new Promise<void>((resolve, reject) => execFile('mkfifo', [path.join(src, 'pipe')], (e) => (e ? reject(e) : resolve())))],
    ] as const) {
      const src = path.join(tmp, `src-${name.replace(/ /g, '-')}`);
      await mkdir(src);
      await writeFile(path.join(src, 'ok.txt'), 'ok');
      await make(src);
      const out = path.join(tmp, 'bad.tgz');
      await expect(packSlug(src, out), name).rejects.toThrow(/slug refused: entry ".*" (is a symbolic link|is a device, FIFO or socket)/);
      expect(await exists(out), name).toBe(false);
    }
  });

  it('packs a dangling symlink that stays inside', async () => {
    const src = path.join(tmp, 'src');
    await mkdir(src);
    await symlink('later/file.txt', path.join(src, 'link'));
    const out = path.join(tmp, 'ok.tgz');
    await packSlug(src, out);
    await unpackSlug(out, path.join(tmp, 'dest'));
    expect(await readlink(path.join(tmp, 'dest/link'))).toBe('later/file.txt');
  });

  it('packs an empty directory into a valid empty slug', async () => {
    const src = path.join(tmp, 'empty');
    await mkdir(src);
    const out = path.join(tmp, 'empty.tgz');
    await packSlug(src, out);
    await unpackSlug(out, path.join(tmp, 'dest'));
    expect(await readdir(path.join(tmp, 'dest'))).toEqual([]);
  });

  it('drops setuid bits and keeps the execute bit', async () => {
    const file = await handMade([{ path: 'bin/run', type: 'File', body: 'x', mode: 0o4755 }]);
    await unpackSlug(file, path.join(tmp, 'dest'));
    expect((await stat(path.join(tmp, 'dest/bin/run'))).mode & 0o7777).toBe(0o755);
  });

  const hostile: Array<[string, RawEntry[], RegExp]> = [
    ['a ../ entry', [{ path: 'ok.txt', type: 'File', body: 'ok' }, { path: '../escaped.txt', type: 'File', body: 'pwn' }], /"\.\.\/escaped\.txt" has a "\.\." segment/],
    ['a nested ../ entry', [{ path: 'a/../../escaped.txt', type: 'File', body: 'pwn' }], /has a "\.\." segment/],
    ['an absolute path', [{ path: '/tmp/slug-test-absolute.txt', type: 'File', body: 'pwn' }], /is an absolute path/],
    ['a symlink to an absolute path', [{ path: 'etc', type: 'SymbolicLink', linkpath: '/etc' }], /symbolic link to an absolute path/],
    ['a symlink out of the root', [{ path: 'd/up', type: 'SymbolicLink', linkpath: '../../..' }], /points outside the app/],
    ['a symlink that escapes through another symlink', [
      { path: 's', type: 'SymbolicLink', linkpath: '.' },
      { path: 't', type: 'SymbolicLink', linkpath: 's/..' },
    ], /"t" is a symbolic link that points outside/],
    ['a file written through a symlink', [
      { path: 'here', type: 'SymbolicLink', linkpath: 'sub' },
      { path: 'sub', type: 'Directory' },
      { path: 'here/x.txt', type: 'File', body: 'x' },
    ], /written through a symbolic link/],
    ['a symlink replaced by a file', [
      { path: 'a.txt', type: 'SymbolicLink', linkpath: 'b.txt' },
      { path: 'a.txt', type: 'File', body: 'x' },
    ], /appears twice/],
    ['a hard link out of the root', [{ path: 'passwd', type: 'Link', linkpath: '../../etc/passwd' }], /has a "\.\." segment/],
    ['a hard link to an absolute path', [{ path: 'passwd', type: 'Link', linkpath: '/etc/passwd' }], /is an absolute path/],
    ['a hard link to a file not in the slug', [{ path: 'h', type: 'Link', linkpath: 'nothing-here' }], /hard link to something/],
    ['a character device', [{ path: 'null', type: 'CharacterDevice' }], /has type CharacterDevice/],
    ['a block device', [{ path: 'sda', type: 'BlockDevice' }], /has type BlockDevice/],
    ['a FIFO', [{ path: 'pipe', type: 'FIFO' }], /has type FIFO/],
  ];

  it.each(hostile)('refuses %s and writes nothing', async (_name, entries, message) => {
    const file = await handMade(entries);
    const dest = path.join(tmp, 'box/dest');
    await expect(unpackSlug(file, dest)).rejects.toThrow(message);
    expect(await exists(dest)).toBe(false);
    expect(await readdir(path.join(tmp, 'box')).catch(() => [])).toEqual([]);
    expect(await exists('/tmp/slug-test-absolute.txt')).toBe(false);
  });

  it('accepts a hard link to a file of the slug and a symlink within it', async () => {
    const file = await handMade([
      { path: 'a.txt', type: 'File', body: 'same' },
      { path: 'b.txt', type: 'Link', linkpath: 'a.txt' },
      { path: 'lib', type: 'Directory' },
      { path: 'lib/c.txt', type: 'SymbolicLink', linkpath: '../a.txt' },
    ]);
    const dest = path.join(tmp, 'dest');
    await unpackSlug(file, dest);
    expect(await readFile(path.join(dest, 'b.txt'), 'utf8')).toBe('same');
    expect(await readFile(path.join(dest, 'lib/c.txt'), 'utf8')).toBe('same');
  });

  it('refuses a file that is not a gzip tarball', async () => {
    const file = path.join(tmp, 'junk.tgz');
    await writeFile(file, 'not a tarball at all');
    await expect(unpackSlug(file, path.join(tmp, 'dest'))).rejects.toThrow();
  });
});
