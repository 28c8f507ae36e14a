// A release's files on disk: `<apps dir>/<app id>/releases/v<N>`, made from the slug in the
// ObjectStore (sha256 checked, unpacked with unpackSlug, which refuses `..`, absolute paths and
// escaping links), owned by the app's own uid (as /app is on Heroku; no setuid bits, nothing
// writable by others). Dynos never write to it: each sees it through its own writable overlay
// (dyno-launcher.ts). Reused when already there for the same slug and uid. Directories above it
// are traversable but not listable by others (0711), so one app cannot list another's files.
// Leaves out: image artifacts (the swarm runtime runs those).
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UpstreamError, ValidationError } from '../../../errors.js';
import { printable } from '../../../naming.js';
import type { CommandRunner } from '../../../ports/command-runner.port.js';
import type { ObjectStore } from '../../../ports/object-store.port.js';
import type { Progress, ReleaseSpec } from '../../../ports/runtime.port.js';
import { sha256File, unpackSlug } from '../../../domain/slug-archive.js';
import { assertTraversable } from '../../sandbox/sandbox-host.js';

export interface ReleaseDirDeps {
  appsDir: string;
  objects: ObjectStore;
  commands: CommandRunner;
}

const APP_ID_RE = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;

export function assertAppId(appId: string): string {
  if (!APP_ID_RE.test(appId)) throw new ValidationError(`app id "${printable(appId)}" is not a valid id`);
  return appId;
}

export const appDir = (appsDir: string, appId: string): string => path.join(appsDir, assertAppId(appId));
export const releaseDirOf = (appsDir: string, appId: string, version: number): string =>
  path.join(appDir(appsDir, appId), 'releases', `v${version}`);
const markerOf = (dir: string): string => path.join(path.dirname(dir), `.${path.basename(dir)}.sha256`);
/** What a release dir's marker holds: the slug's sha256 and the uid that owns the files. */
const markerValue = (sha256: string, uid: number | null): string => (uid === null ? sha256 : `${sha256} ${uid}`);

/** Makes the apps dir and the app's dir traversable (not listable) by the dyno user. */
async function ensureAppDirs(appsDir: string, appId: string): Promise<void> {
  await mkdir(appsDir, { recursive: true });
  await chmod(appsDir, 0o711);
  const dir = appDir(appsDir, appId);
  await mkdir(path.join(dir, 'releases'), { recursive: true });
  await chmod(dir, 0o711);
  await chmod(path.join(dir, 'releases'), 0o711);
}

/** `uid`: the app's own uid (null when the platform is not root and nothing changes owner). */
export async function ensureReleaseDir(deps: ReleaseDirDeps, spec: ReleaseSpec, progress: Progress, uid: number | null): Promise<string> {
  const { artifact } = spec;
  if (artifact.kind !== 'slug') {
    throw new ValidationError('the local runtime runs slugs only; image releases need the swarm runtime');
  }
  const appId = assertAppId(spec.app.id);
  const dir = releaseDirOf(deps.appsDir, appId, spec.release.version);
  const marker = markerOf(dir);
  const want = markerValue(artifact.sha256, uid);
  if ((await readFile(marker, 'utf8').catch(() => '')) === want) return dir;

  await ensureAppDirs(deps.appsDir, appId);
  const tag = randomBytes(4).toString('hex');
  // A rollback (or a config release) runs a slug some release dir already holds: hard-link it
  // instead of unpacking again. Dynos never write to release files (they write to their own
  // overlay), so sharing inodes between release dirs is safe.
  const twin = await siblingWithSlug(path.dirname(dir), want, dir);
  if (twin) {
    const tmpLink = `${dir}.tmp-${tag}`;
    try {
      const res = await deps.commands.run({ file: 'cp', args: ['-al', '--', twin, tmpLink], timeoutMs: 120_000 });
      if (res.exitCode === 0) {
        await rm(dir, { recursive: true, force: true });
        await rename(tmpLink, dir);
        await writeFile(marker, want);
        progress(`Reusing the unpacked slug of ${path.basename(twin)}`);
        return dir;
      }
    } finally {
      await rm(tmpLink, { recursive: true, force: true });
    }
  }
  const slugFile = path.join(appDir(deps.appsDir, appId), `slug-${tag}.tgz`);
  const tmp = `${dir}.tmp-${tag}`;
  try {
    progress(`Fetching slug of v${spec.release.version} (${(artifact.size / 1e6).toFixed(1)} MB)`);
    await deps.objects.getToFile(artifact.objectKey, slugFile);
    const sha = await sha256File(slugFile);
    if (sha !== artifact.sha256) {
      throw new UpstreamError(`slug ${artifact.objectKey} does not match its checksum (expected ${artifact.sha256.slice(0, 12)}…, got ${sha.slice(0, 12)}…)`);
    }
    // validated by unpackSlug first (nothing unsafe is written); GNU tar extracts ~5x faster
    // than node-tar for slugs of thousands of small files (npm)
    await unpackSlug(slugFile, tmp, async (file, dest) => {
      const res = await deps.commands.run({ file: 'tar', args: ['-xzf', file, '-C', dest, '--no-same-owner', '--no-same-permissions', '--no-overwrite-dir'], timeoutMs: 300_000 });
      if (res.exitCode !== 0) throw new UpstreamError(`could not unpack the slug (tar exited with ${res.exitCode})`);
    });
    await makeOwned(deps.commands, tmp, uid);
    await rm(dir, { recursive: true, force: true });
    await rm(marker, { force: true });
    await rename(tmp, dir);
    await writeFile(marker, want);
  } finally {
    await rm(slugFile, { force: true });
    await rm(tmp, { recursive: true, force: true });
  }
  return dir;
}

/** Another release dir of the app already unpacked from the same slug for the same uid, if any. */
async function siblingWithSlug(releasesDir: string, marker: string, except: string): Promise<string | null> {
  for (const name of await readdir(releasesDir).catch(() => [] as string[])) {
    const m = /^\.(v\d+)\.sha256$/.exec(name);
    if (!m) continue;
    const candidate = path.join(releasesDir, m[1]!);
    if (candidate === except) continue;
    if ((await readFile(path.join(releasesDir, name), 'utf8').catch(() => '')) !== marker) continue;
    if (await stat(candidate).then((st) => st.isDirectory(), () => false)) return candidate;
  }
  return null;
}

async function makeOwned(commands: CommandRunner, dir: string, uid: number | null): Promise<void> {
  const steps: string[][] = [];
  if (process.getuid?.() === 0) steps.push(['chown', '-R', '-h', uid === null ? '0:0' : `${uid}:${uid}`, '--', dir]);
  // nothing writable by others; never setuid/setgid/sticky (a slug must not escalate)
  steps.push(['chmod', '-R', 'u+rwX,go+rX,go-w,ug-s,o-t', '--', dir]);
  for (const [file, ...args] of steps) {
    const res = await commands.run({ file: file!, args, timeoutMs: 120_000 });
    if (res.exitCode !== 0) throw new UpstreamError(`could not set permissions on the release directory (${file} exited with ${res.exitCode})`);
  }
  await chmod(dir, 0o755);
}

/** Deletes release directories of the app other than `keep` and the `recent` newest ones (kept so a
 *  rollback finds its files; best effort by the caller). */
export async function pruneReleaseDirs(appsDir: string, appId: string, keep: number[], recent = 3): Promise<void> {
  const base = path.join(appDir(appsDir, appId), 'releases');
  const names = await readdir(base).catch(() => [] as string[]);
  const versions = names.flatMap((n) => (/^v(\d+)$/.exec(n) ? [Number(n.slice(1))] : [])).sort((a, b) => b - a);
  const keepNames = new Set([...keep, ...versions.slice(0, recent)].map((v) => `v${v}`));
  for (const name of names) {
    const m = /^\.?(v\d+)(\.sha256)?$/.exec(name);
    if (!m || keepNames.has(m[1]!)) continue;
    await rm(path.join(base, name), { recursive: true, force: true });
  }
}

/** Sandboxes (running as app uids, "others" on the host) must walk from / to the apps dir: the
 *  data dir (its parent, ours) gets o+x; an ancestor above it that is private is the operator's
 *  choice, which we do not override: assertTraversable refuses with a clear message instead. */
export async function ensureReachable(appsDir: string): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const parent = path.dirname(path.resolve(appsDir));
  const st = await stat(parent).catch(() => null);
  if (st && (st.mode & 0o001) === 0) await chmod(parent, (st.mode & 0o7777) | 0o001);
  await assertTraversable(parent);
}
