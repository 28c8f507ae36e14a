// Slug archives: a slug is a gzip'd tar of an app directory (entries relative to the app root,
// no leading "./app"; the top-level .git is left out).
// Promises: packSlug writes the archive and returns its size and sha256; unpackSlug extracts an
// archive into destDir and refuses — throwing before anything is written — entries that are
// absolute, contain a `..` segment, are devices/FIFOs, go through a symlink, or are symlinks or
// hard links that resolve outside destDir (resolution follows the archive's own symlinks).
// Ownership is never taken from the archive and setuid/setgid/sticky bits are dropped.
// Leaves out: fetching or storing the slug (ObjectStore), size quotas, cleaning destDir on error.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, readlinkSync, realpathSync, type Stats } from 'node:fs';
import { lstat, mkdir, readdir, realpath, rm, unlink } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { create, extract, list, type ReadEntry } from 'tar';
import { ValidationError } from '../errors.js';

export interface SlugInfo {
  size: number;
  sha256: string;
}

export interface PackOptions {
  /** gzip level; default 1: a Node slug (mostly the node binary) packs 3x faster than at 6 for ~10% more bytes. */
  gzipLevel?: number;
}

/**
 * Packs every entry of `dir` except a top-level `.git` into a tar.gz at `outFile`, hashing as it
 * writes. Refuses (throws, removes outFile) what unpackSlug would refuse: symlinks resolving
 * outside `dir`, devices, FIFOs and sockets.
 */
export async function packSlug(dir: string, outFile: string, options: PackOptions = {}): Promise<SlugInfo> {
  const root = await realpath(dir);
  const names = (await readdir(root)).filter((n) => n !== '.git').sort();
  let problem: Error | undefined;
  const filter = (p: string, st: Stats | ReadEntry): boolean => {
    if (problem) return false;
    const why = unsafeOnDisk(root, p, st as Stats);
    if (why) problem = new ValidationError(`slug refused: entry "${p}" ${why}`);
    return !why;
  };
  const pack = names.length
    ? create({ gzip: { level: options.gzipLevel ?? 1 }, cwd: root, portable: true, follow: false, filter }, names)
    // tar refuses an empty file list (and an all-zero archive): store just the root directory.
    : create({ gzip: { level: options.gzipLevel ?? 1 }, cwd: root, portable: true, filter: (p) => p === '.' }, ['.']);
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(pack as unknown as NodeJS.ReadableStream, meter, createWriteStream(outFile));
  if (problem) {
    await rm(outFile, { force: true });
    throw problem;
  }
  return { size, sha256: hash.digest('hex') };
}

/** Why a file in the directory being packed cannot go into a slug, or null. */
function unsafeOnDisk(root: string, rel: string, st: Stats): string | null {
  if (st.isFile() || st.isDirectory()) return null;
  if (!st.isSymbolicLink()) return 'is a device, FIFO or socket, which a slug may not contain';
  const abs = path.join(root, rel);
  let real: string;
  try {
    real = realpathSync.native(abs); // the kernel's answer: the JS realpath resolves "s/.." lexically
  } catch {
    // Dangling: judge the target as written.
    const target = readlinkSync(abs);
    if (path.isAbsolute(target)) return 'is a symbolic link to an absolute path';
    real = path.resolve(path.dirname(abs), target);
  }
  return inside(root, real) ? null : 'is a symbolic link that points outside the app';
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

type Kind = 'file' | 'dir' | 'symlink' | 'hardlink';
interface Entry { path: string; kind: Kind; link?: string }

const KINDS: Record<string, Kind> = {
  File: 'file', OldFile: 'file', ContiguousFile: 'file', Directory: 'dir',
  SymbolicLink: 'symlink', Link: 'hardlink',
};

function refuse(entry: string, why: string): never {
  throw new ValidationError(`slug refused: entry "${entry}" ${why}`);
}

/** Entry path relative to the archive root ('' is the root itself), or a refusal. */
function entryPath(raw: string): string {
  if (raw.includes('\0')) refuse(raw, 'has a NUL byte');
  if (raw.startsWith('/') || /^[a-zA-Z]:/.test(raw)) refuse(raw, 'is an absolute path');
  const segs = raw.split('/');
  if (segs.includes('..')) refuse(raw, 'has a ".." segment');
  return segs.filter((s) => s !== '' && s !== '.').join('/');
}

/**
 * Resolves `start` (path segments relative to the root) following the archive's symlinks.
 * Returns the resolved relative path, or null when it leaves the root or loops.
 */
function resolveInside(start: string[], links: Map<string, string>): string | null {
  const todo = [...start];
  const done: string[] = [];
  let hops = 0;
  while (todo.length) {
    const seg = todo.shift()!;
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (!done.length) return null;
      done.pop();
      continue;
    }
    done.push(seg);
    const target = links.get(done.join('/'));
    if (target === undefined) continue;
    if (++hops > 64 || target.startsWith('/')) return null;
    done.pop();
    todo.unshift(...target.split('/'));
  }
  return done.join('/');
}

async function readEntries(file: string): Promise<Entry[]> {
  const entries: Entry[] = [];
  let bad: Error | undefined;
  await list({
    file,
    strict: true,
    onReadEntry: (e: ReadEntry) => {
      if (bad) return;
      try {
        const kind = KINDS[e.type];
        if (!kind) refuse(e.path, `has type ${e.type}, which a slug may not contain`);
        const entry: Entry = { path: entryPath(e.path), kind };
        if (kind === 'symlink' || kind === 'hardlink') entry.link = e.linkpath ?? '';
        if (entry.path === '' && kind !== 'dir') refuse(e.path, 'replaces the app root');
        entries.push(entry);
      } catch (err) {
        bad = err as Error;
      }
    },
  });
  if (bad) throw bad;
  return entries;
}

function validate(entries: Entry[]): void {
  const links = new Map<string, string>();
  const kinds = new Map<string, Kind>();
  for (const e of entries) {
    const seen = kinds.get(e.path);
    if (seen && (seen !== e.kind || e.kind === 'symlink' || e.kind === 'hardlink')) refuse(e.path, 'appears twice');
    kinds.set(e.path, e.kind);
    if (e.kind === 'symlink') links.set(e.path, e.link!);
  }
  const underLink = (p: string): boolean => {
    const segs = p.split('/');
    for (let i = 1; i < segs.length; i++) if (links.has(segs.slice(0, i).join('/'))) return true;
    return false;
  };
  const seenFiles = new Set<string>();
  for (const e of entries) {
    if (underLink(e.path)) refuse(e.path, 'is written through a symbolic link');
    if (e.kind === 'symlink') {
      const target = e.link!;
      if (!target || target.startsWith('/')) refuse(e.path, `is a symbolic link to an absolute path`);
      const dir = e.path.split('/').slice(0, -1);
      if (resolveInside([...dir, ...target.split('/')], links) === null) {
        refuse(e.path, 'is a symbolic link that points outside the app');
      }
    } else if (e.kind === 'hardlink') {
      const target = entryPath(e.link!);
      if (underLink(target) || !seenFiles.has(target)) refuse(e.path, 'is a hard link to something that is not a file of the slug');
    } else if (e.kind === 'file') {
      seenFiles.add(e.path);
    }
  }
}

function inside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Throws (as unpackSlug would) when the archive holds an entry that is unsafe to unpack. */
export async function checkSlug(file: string): Promise<void> {
  validate(await readEntries(file));
}

/** Extracts an already validated archive into a directory (e.g. GNU tar through a CommandRunner). */
export type Extractor = (file: string, destDir: string) => Promise<void>;

/** Extracts a slug into destDir (created if missing); throws on any unsafe entry. */
export async function unpackSlug(file: string, destDir: string, extractor?: Extractor): Promise<void> {
  const entries = await readEntries(file);
  validate(entries);
  await mkdir(destDir, { recursive: true });
  const root = await realpath(destDir);
  if (extractor) await extractor(file, root);
  else await extractWithNodeTar(file, root);
  await assertLinksInside(root, entries);
}

async function extractWithNodeTar(file: string, root: string): Promise<void> {
  let late: Error | undefined;
  await extract({
    file,
    cwd: root,
    strict: true,
    preservePaths: false,
    preserveOwner: false,
    filter: (p, e) => {
      const entry = e as ReadEntry;
      // Defence in depth: the archive was validated above; refuse anything that changed since.
      if (!KINDS[entry.type] || entry.path.split('/').includes('..') || entry.path.startsWith('/')) {
        late ??= new ValidationError(`slug refused: entry "${p}" changed while unpacking`);
        return false;
      }
      if (typeof entry.mode === 'number') entry.mode &= 0o777;
      return entryPath(entry.path) !== ''; // the root's own mode/mtime stay the caller's
    },
  });
  if (late) throw late;
}

/** Belt and braces: every symlink written must really resolve inside the root. */
async function assertLinksInside(root: string, entries: Entry[]): Promise<void> {
  for (const e of entries) {
    if (e.kind !== 'symlink') continue;
    const abs = path.join(root, e.path);
    const st = await lstat(abs).catch(() => undefined);
    if (!st?.isSymbolicLink()) continue;
    const real = await realpath(abs).catch(() => null); // dangling: checked lexically above
    if (real !== null && !inside(root, real)) {
      await unlink(abs);
      refuse(e.path, 'resolves outside the app');
    }
  }
}
