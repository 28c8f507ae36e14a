// BuildExecutor in a throwaway slipway/builder container (swarm runtime). The builder CLI
// (builder/dist/cli.js) is bundled with esbuild into one file at first use (kept in memory); the
// bundle, the built-in buildpacks, the source (without .git), the app's build cache and the request
// are copied into a created-not-started container (putArchive, owned by the image's user "app"),
// which then runs `node cli.mjs request.json` under tini as that user.
// Promises: the container has CPU, memory and process limits, drops every capability, runs with
// no-new-privileges, has no bind mounts (no Docker socket, nothing of the host) and no platform
// environment (config vars reach it inside the request file, in the container only), and sits on
// its own bridge network (`slw-builds`, no traffic between builds), never on an organization's
// network; output lines reach onLine as they are printed; the build is stopped at its deadline or
// on abort; the slug and result come back out (the slug's size and sha256 are checked against the
// result), the buildpack cache is kept as a tar file in req.cacheDir (never unpacked on the host);
// the container is removed whatever happens. A user build failure (or running out of memory)
// resolves { ok: false }; a builder that crashes or writes no result rejects with CommandFailedError.
// Leaves out: fetching the source and storing the slug (the worker), image distribution.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type Docker from 'dockerode';
import tarFs from 'tar-fs';
import tarStream from 'tar-stream';
import { CommandFailedError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { LABEL_APP, LABEL_MANAGED } from '../../naming.js';
import type { BuildExecution, BuildExecutor, BuildRequest } from '../../ports/build-executor.port.js';
import { demuxLines } from '../docker/docker-stream.js';
import { bundleBuilderCli } from './builder-bundle.js';
import { toBuilderRequest } from './subprocess.build-executor.js';

export const BUILD_NETWORK = 'slw-builds';
const UID = 10000;
const IN = { root: '/slipway', builder: '/slipway/builder', source: '/slipway/source', work: '/slipway/work', cache: '/slipway/cache' };
const CACHE_TAR = 'swarm-build-cache.tar';
const MAX_RESULT_BYTES = 1024 * 1024;

export interface ContainerBuildExecutorSpec {
  docker: Docker;
  /** config.docker.builderImage */
  builderImage: string;
  /** builder/dist/cli.js on this machine (bundled at first use). */
  cliEntry: string;
  /** builder/buildpacks on this machine (copied into each build). */
  buildpacksDir: string;
  stack: string;
  npmRegistry: string;
  allowedBuildpackHosts: string[];
  /** Build limits (settings), read when each build starts. */
  limits: () => Promise<{ cpus: number; memoryMb: number; pids: number }>;
  logger: Logger;
  /** Extra time after req.timeoutMs before the container is stopped (the CLI stops its buildpacks first). */
  killSlackMs?: number;
}

export class ContainerBuildExecutor implements BuildExecutor {
  private bundle: Promise<Buffer> | null = null;
  private networkLock: Promise<unknown> = Promise.resolve();

  constructor(private readonly spec: ContainerBuildExecutorSpec) {}

  /** The builder CLI as one ESM file (esbuild, at first use). */
  cliBundle(): Promise<Buffer> {
    this.bundle ??= bundleBuilderCli(this.spec.cliEntry).catch((err: unknown) => {
      this.bundle = null;
      throw err;
    });
    return this.bundle;
  }

  async run(req: BuildRequest, onLine: (line: string) => void): Promise<BuildExecution> {
    const cli = await this.cliBundle();
    const network = await this.ensureNetwork();
    const d = this.spec.docker;
    const request = toBuilderRequest(
      req,
      {
        buildpacksDir: `${IN.builder}/buildpacks`,
        stack: this.spec.stack,
        npmRegistry: this.spec.npmRegistry,
        npmCaFile: '/etc/ssl/certs/ca-certificates.crt',
        allowedBuildpackHosts: this.spec.allowedBuildpackHosts,
        path: '/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin',
      },
      { sourceDir: IN.source, workDir: IN.work, cacheDir: IN.cache },
    );
    const limits = await this.spec.limits();
    const memory = limits.memoryMb * 1024 * 1024;
    const container = await d.createContainer({
      name: `slw-build-${req.buildId.replace(/[^a-zA-Z0-9_.-]/g, '').slice(0, 40)}-${Date.now().toString(36)}`,
      Image: this.spec.builderImage,
      Entrypoint: ['/usr/bin/tini', '--'],
      Cmd: ['node', `${IN.builder}/cli.mjs`, `${IN.root}/request.json`],
      User: `${UID}:${UID}`,
      WorkingDir: IN.root,
      Env: ['PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin', `HOME=${IN.root}/home`, 'LANG=C.UTF-8', 'NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt'],
      Labels: { [LABEL_MANAGED]: 'true', 'slipway.kind': 'build', 'slipway.build': req.buildId, [LABEL_APP]: req.appId },
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      StopSignal: 'SIGTERM',
      StopTimeout: 10,
      HostConfig: {
        NetworkMode: network,
        NanoCpus: Math.round(limits.cpus * 1e9),
        Memory: memory,
        MemorySwap: memory,
        PidsLimit: limits.pids,
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        Privileged: false,
      },
    });
    try {
      await container.putArchive(packTree([{ name: 'cli.mjs', buffer: cli }, { name: 'buildpacks', dir: this.spec.buildpacksDir }]), { path: IN.builder });
      await container.putArchive(packTree([{ name: 'source', dir: req.sourceDir, skipTopLevel: ['.git'] }]), { path: IN.root });
      await container.putArchive(packTree([{ name: 'request.json', buffer: Buffer.from(JSON.stringify(request)), mode: 0o600 }]), { path: IN.root });
      const cacheTar = path.join(req.cacheDir, CACHE_TAR);
      if (await stat(cacheTar).then((s) => s.isFile(), () => false)) await container.putArchive(createReadStream(cacheTar), { path: IN.root });

      const stream = (await container.attach({ stream: true, stdout: true, stderr: true })) as unknown as Readable;
      const output = (async () => {
        for await (const l of demuxLines(stream)) onLine(l.line);
      })();
      await container.start();
      const outcome = await this.wait(container, req);
      stream.destroy();
      await output.catch(() => undefined);
      if (outcome === 'timeout') {
        const message = `Build timed out after ${Math.round(req.timeoutMs / 1000)} s`;
        onLine(`!     Build failed: ${message}`);
        return { ok: false, message };
      }
      if (outcome === 'aborted') return { ok: false, message: 'Build cancelled' };
      const state = ((await container.inspect()) as { State: { ExitCode: number; OOMKilled: boolean } }).State;
      if (state.OOMKilled) {
        const message = `Build ran out of memory (limit ${limits.memoryMb} MB)`;
        onLine(`!     Build failed: ${message}`);
        return { ok: false, message };
      }
      const execution = parseResult(await readFileFrom(container, `${IN.work}/result.json`, MAX_RESULT_BYTES));
      if (state.ExitCode === 1 && execution && !execution.ok) return execution;
      if (state.ExitCode === 0 && execution?.ok) {
        const slugPath = path.join(req.workDir, 'slug.tgz');
        const got = await copyFileFrom(container, `${IN.work}/slug.tgz`, slugPath);
        if (got.size !== execution.artifact.size || got.sha256 !== execution.artifact.sha256) {
          throw new CommandFailedError('the slug copied out of the build container does not match the builder\'s result');
        }
        await this.saveCache(container, cacheTar);
        return { ok: true, artifact: { ...execution.artifact, slugPath } };
      }
      throw new CommandFailedError(`builder exited with code ${state.ExitCode}`);
    } finally {
      await container.remove({ force: true, v: true }).catch((err: unknown) => {
        if ((err as { statusCode?: number }).statusCode !== 404) throw err;
      });
    }
  }

  private async wait(container: Docker.Container, req: BuildRequest): Promise<'exited' | 'timeout' | 'aborted'> {
    const limitMs = req.timeoutMs + (this.spec.killSlackMs ?? 5_000);
    let timer: NodeJS.Timeout | undefined;
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<'timeout' | 'aborted'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), limitMs);
      onAbort = () => resolve('aborted');
      if (req.signal.aborted) onAbort();
      else req.signal.addEventListener('abort', onAbort, { once: true });
    });
    const exited = container.wait().then(() => 'exited' as const);
    const first = await Promise.race([exited, stopped]);
    clearTimeout(timer);
    if (onAbort) req.signal.removeEventListener('abort', onAbort);
    if (first !== 'exited') {
      await container.stop({ t: 5 }).catch(() => undefined);
      await exited.catch(() => undefined);
    }
    return first;
  }

  private async saveCache(container: Docker.Container, cacheTar: string): Promise<void> {
    const tmp = `${cacheTar}.tmp`;
    try {
      const archive = (await container.getArchive({ path: IN.cache })) as unknown as Readable;
      await pipeline(archive, createWriteStream(tmp, { mode: 0o600 }));
      await rename(tmp, cacheTar);
    } catch (err) {
      await rm(tmp, { force: true });
      this.spec.logger.warn({ err: (err as Error).message }, 'build cache not kept');
    }
  }

  /** The id of the builds' network, made once: concurrent builds wait for one creation (Docker
   *  does not always refuse a second bridge of the same name, and a name two networks share cannot
   *  be attached to); a duplicate left by an earlier race is removed. */
  private ensureNetwork(): Promise<string> {
    const next = this.networkLock.then(() => this.findOrCreateNetwork());
    this.networkLock = next.catch(() => undefined);
    return next;
  }

  private async findOrCreateNetwork(): Promise<string> {
    const d = this.spec.docker;
    const nets = (await d.listNetworks({ filters: JSON.stringify({ name: [BUILD_NETWORK] }) }))
      .filter((n) => n.Name === BUILD_NETWORK)
      .sort((a, b) => String(a.Created).localeCompare(String(b.Created)));
    if (nets.some((n) => n.Labels?.[LABEL_MANAGED] !== 'true')) throw new CommandFailedError(`network ${BUILD_NETWORK} exists but is not managed by Slipway`);
    const [keep, ...extra] = nets;
    for (const n of extra) {
      await d.getNetwork(n.Id).remove().catch((err: unknown) => this.spec.logger.warn({ err: (err as Error).message, network: n.Id }, 'a duplicate builds network stays (in use)'));
    }
    if (keep) return keep.Id;
    const created = await d.createNetwork({
      Name: BUILD_NETWORK,
      Driver: 'bridge',
      CheckDuplicate: true,
      Labels: { [LABEL_MANAGED]: 'true', 'slipway.kind': 'build-network' },
      Options: { 'com.docker.network.bridge.enable_icc': 'false' },
    });
    return created.id;
  }
}

interface TreeEntry {
  name: string;
  buffer?: Buffer;
  dir?: string;
  mode?: number;
  skipTopLevel?: string[];
}

/** One tar stream of buffers and directory trees, every entry owned by the image's user. */
export function packTree(entries: TreeEntry[]): Readable {
  const pack = tarStream.pack();
  const own = (h: tarStream.Headers): tarStream.Headers => ({ ...h, uid: UID, gid: UID, uname: 'app', gname: 'app' });
  const next = (i: number): void => {
    const e = entries[i];
    if (!e) {
      pack.finalize();
      return;
    }
    if (e.buffer) {
      pack.entry(own({ name: e.name, mode: e.mode ?? 0o644, size: e.buffer.length }), e.buffer, (err) => (err ? pack.destroy(err) : next(i + 1)));
      return;
    }
    const skip = new Set(e.skipTopLevel ?? []);
    tarFs.pack(e.dir!, {
      pack,
      finalize: false,
      finish: () => next(i + 1),
      ignore: (name) => skip.has(path.relative(e.dir!, name).split(path.sep)[0] ?? ''),
      map: (h) => ({ ...h, name: h.name === '.' ? e.name : `${e.name}/${h.name}`, uid: UID, gid: UID }),
    });
  };
  next(0);
  return pack as unknown as Readable;
}

/** The content of one regular file in the container (at most `max` bytes), or null. */
async function readFileFrom(container: Docker.Container, file: string, max: number): Promise<Buffer | null> {
  let archive: Readable;
  try {
    archive = (await container.getArchive({ path: file })) as unknown as Readable;
  } catch {
    return null;
  }
  const chunks: Buffer[] = [];
  await extractOne(archive, path.basename(file), async (entry) => {
    let size = 0;
    for await (const c of entry) {
      size += (c as Buffer).length;
      if (size > max) throw new CommandFailedError(`${path.basename(file)} from the build is too large`);
      chunks.push(c as Buffer);
    }
  });
  return chunks.length ? Buffer.concat(chunks) : null;
}

/** Copies one regular file out of the container to `dest`; returns its size and sha256. */
async function copyFileFrom(container: Docker.Container, file: string, dest: string): Promise<{ size: number; sha256: string }> {
  const archive = (await container.getArchive({ path: file })) as unknown as Readable;
  const hash = createHash('sha256');
  let size = 0;
  let found = false;
  await extractOne(archive, path.basename(file), async (entry) => {
    found = true;
    const tap = new PassThrough();
    tap.on('data', (c: Buffer) => {
      hash.update(c);
      size += c.length;
    });
    await pipeline(entry, tap, createWriteStream(dest, { mode: 0o600 }));
  });
  if (!found) throw new CommandFailedError(`the build produced no ${path.basename(file)}`);
  return { size, sha256: hash.digest('hex') };
}

/** Runs `onFile` for the archive's regular file named `name` (top level); every other entry is skipped. */
async function extractOne(archive: Readable, name: string, onFile: (entry: Readable) => Promise<void>): Promise<void> {
  const extract = tarStream.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, entry, next) => {
      const wanted = header.type === 'file' && header.name.replace(/^\.\//, '') === name;
      const work = wanted ? onFile(entry) : new Promise<void>((r) => { entry.on('end', () => r()); entry.resume(); });
      work.then(() => next(), (err: unknown) => { extract.destroy(err as Error); reject(err); });
    });
    extract.on('finish', () => resolve());
    extract.on('error', reject);
  });
  archive.pipe(extract);
  await done;
}

function parseResult(buf: Buffer | null): BuildExecution | null {
  if (!buf) return null;
  try {
    const parsed = JSON.parse(buf.toString('utf8')) as BuildExecution;
    return typeof parsed === 'object' && parsed !== null && typeof parsed.ok === 'boolean' ? parsed : null;
  } catch {
    return null;
  }
}
