// Helpers shared by the built-in buildpacks. Plain ESM for the stack's Node (18 or newer), no
// dependencies. Output follows Heroku's style: detail lines indented by 7 spaces; a failure ends
// with one " !     <reason>" line that the builder turns into "Build failed: <reason>".
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';

export const INDENT = '       ';

export function detail(line) {
  process.stdout.write(`${INDENT}${line}\n`);
}

export class BuildFailure extends Error {}

/** Ends the buildpack: the reason is the last line printed, as Heroku's buildpacks do. */
export function fail(reason) {
  throw new BuildFailure(reason);
}

/** Runs a buildpack entry point: BuildFailure → " !     reason" + exit 1; anything else → exit 2. */
export async function entry(fn) {
  try {
    await fn(process.argv.slice(2));
  } catch (err) {
    if (err instanceof BuildFailure) {
      for (const line of String(err.message).split('\n')) process.stdout.write(` !     ${line}\n`);
      process.exit(1);
    }
    process.stdout.write(` !     internal buildpack error: ${err && err.stack ? err.stack : err}\n`);
    process.exit(2);
  }
}

const BLOCKED_CONFIG = /^(PATH|GIT_DIR|CPATH|CPPATH|LD_PRELOAD|LIBRARY_PATH|LD_LIBRARY_PATH|LANG|BUILD_DIR|HOME|NODE_OPTIONS)$/;

/** Config vars from ENV_DIR (one file per var), minus the ones that would break the build. */
export function readEnvDir(envDir) {
  const vars = {};
  if (!envDir || !existsSync(envDir)) return vars;
  for (const name of readdirSync(envDir)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) || BLOCKED_CONFIG.test(name)) continue;
    vars[name] = readFileSync(path.join(envDir, name), 'utf8');
  }
  return vars;
}

/** Splits a stream into lines and hands each to `onLine` (handles \r progress output). */
function lineSplitter(onLine) {
  let buf = '';
  return {
    push(chunk) {
      buf += chunk.toString('utf8');
      const parts = buf.split(/\r?\n|\r/);
      buf = parts.pop() ?? '';
      for (const p of parts) onLine(p);
    },
    end() {
      if (buf) onLine(buf);
      buf = '';
    },
  };
}

/**
 * Runs file + argv (never a shell). Output is printed indented unless `quiet`; the last lines are
 * kept so a failure can show them. Resolves { code, signal, tail, stdout }.
 */
export function run(file, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tail = [];
    let stdout = '';
    const keep = (line) => {
      tail.push(line);
      if (tail.length > 40) tail.shift();
      if (!opts.quiet) detail(line);
    };
    const out = lineSplitter(keep);
    const err = lineSplitter(keep);
    child.stdout.on('data', (c) => {
      if (opts.capture) stdout += c.toString('utf8');
      else out.push(c);
    });
    child.stderr.on('data', (c) => err.push(c));
    child.on('error', (e) => reject(new BuildFailure(`could not run ${path.basename(file)}: ${e.message}`)));
    child.on('close', (code, signal) => {
      out.end();
      err.end();
      resolve({ code, signal, tail, stdout });
    });
  });
}

/** Like run, but a non-zero exit is a build failure with `what` as the reason. */
export async function mustRun(what, file, args, opts = {}) {
  const r = await run(file, args, opts);
  if (r.code !== 0) {
    if (opts.quiet) for (const line of r.tail) detail(line);
    fail(`${what} ${r.signal ? `was killed by ${r.signal}` : `exited with code ${r.code}`}`);
  }
  return r;
}

/** Numeric comparison of x.y.z versions (pre-releases sort before their release). */
export function compareVersions(a, b) {
  const parse = (v) => {
    const [core, pre] = String(v).split('-', 2);
    return { nums: core.split('.').map((n) => Number.parseInt(n, 10) || 0), pre: pre ?? null };
  };
  const x = parse(a);
  const y = parse(b);
  for (let i = 0; i < 3; i++) {
    const d = (x.nums[i] ?? 0) - (y.nums[i] ?? 0);
    if (d !== 0) return d;
  }
  if (x.pre === y.pre) return 0;
  if (x.pre === null) return 1;
  if (y.pre === null) return -1;
  return x.pre < y.pre ? -1 : 1;
}

export function highest(versions) {
  const list = [...versions];
  list.sort(compareVersions);
  return list.length ? list[list.length - 1] : undefined;
}

/** A fresh sibling path for an atomic create-then-rename into a shared cache. */
export function tmpSibling(target) {
  return `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Moves a finished temp dir into place; if another build got there first, keeps theirs. */
export function publish(tmp, target) {
  mkdirSync(path.dirname(target), { recursive: true });
  try {
    renameSync(tmp, target);
  } catch (err) {
    if (!existsSync(target)) throw err;
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** GET with redirects (http/https); NODE_EXTRA_CA_CERTS applies. Resolves a Buffer or writes `dest`. */
export function httpGet(url, dest, redirects = 5) {
  return new Promise((resolve, reject) => {
    const lib = url.startsWith('https:') ? https : http;
    const req = lib.get(url, { headers: { 'user-agent': 'slipway-buildpack', accept: 'application/json, */*' }, timeout: 60_000 }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location && redirects > 0) {
        res.resume();
        resolve(httpGet(new URL(res.headers.location, url).toString(), dest, redirects - 1));
        return;
      }
      if (status !== 200) {
        res.resume();
        reject(new BuildFailure(`GET ${url} answered HTTP ${status}`));
        return;
      }
      if (dest) {
        const out = createWriteStream(dest);
        res.pipe(out);
        out.on('finish', () => resolve(undefined));
        out.on('error', reject);
        res.on('error', reject);
      } else {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve(Buffer.concat(chunks)));
        res.on('error', reject);
      }
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (e) => reject(new BuildFailure(`GET ${url} failed: ${e.message}`)));
  });
}

/** Checks a file against an npm `integrity` string (sha512-<base64>). */
export async function verifyIntegrity(file, integrity) {
  const m = /^(sha512|sha384|sha256|sha1)-(.+)$/.exec(String(integrity || '').split(' ')[0]);
  if (!m) fail(`missing integrity for ${path.basename(file)}`);
  const hash = createHash(m[1]);
  for await (const chunk of createReadStream(file)) hash.update(chunk);
  if (hash.digest('base64') !== m[2]) fail(`integrity check failed for ${path.basename(file)}`);
}

/** Extracts a .tgz with the system tar (members optional), stripping npm's "package/" prefix. */
export async function extractPackage(tgz, destDir, members = []) {
  mkdirSync(destDir, { recursive: true });
  const args = ['-xzf', tgz, '-C', destDir, '--strip-components=1', '--no-same-owner', '--'];
  await mustRun(`extracting ${path.basename(tgz)}`, 'tar', [...args, ...members.map((m) => `package/${m}`)], { quiet: true });
}

export function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}
