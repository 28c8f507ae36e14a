// static buildpack, bin/compile BUILD_DIR CACHE_DIR ENV_DIR.
// Validates static.json (if any) and copies the bundled server into BUILD_DIR/.slipway/static with
// its normalized config. static.json supports a small subset of Heroku's static buildpack:
//   root        directory to serve, relative to the app (default ".")
//   clean_urls  true: /about serves about.html, and /about.html redirects to /about
//   headers     { "<path pattern>": { "Header-Name": "value" } }; patterns match the URL path,
//               "*" within one segment, "**" across segments (e.g. "/assets/**", "/*.html")
//   error_page  file (relative to root) served with status 404 (default: 404.html if present)
// Other keys are ignored with a warning.
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { detail, entry, fail } from '../../_shared/kit.mjs';

const KNOWN = new Set(['root', 'clean_urls', 'headers', 'error_page']);
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

function insideRelative(base, rel, what) {
  if (typeof rel !== 'string' || rel === '' || path.isAbsolute(rel)) fail(`static.json: ${what} must be a relative path`);
  const full = path.resolve(base, rel);
  const back = path.relative(base, full);
  if (back.startsWith('..') || path.isAbsolute(back)) fail(`static.json: ${what} "${rel}" points outside the app`);
  return back === '' ? '.' : back;
}

export function readStaticConfig(buildDir) {
  const file = path.join(buildDir, 'static.json');
  let raw = {};
  if (existsSync(file)) {
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      fail(`static.json is not valid JSON: ${err.message}`);
    }
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail('static.json must hold a JSON object');
  }
  for (const key of Object.keys(raw)) if (!KNOWN.has(key)) detail(`Warning: static.json key "${key}" is not supported and is ignored`);
  const root = raw.root === undefined ? '.' : insideRelative(buildDir, raw.root, 'root');
  const rootDir = path.join(buildDir, root);
  if (!existsSync(rootDir) || !statSync(rootDir).isDirectory()) fail(`static.json: root "${root}" is not a directory of the app`);
  if (raw.clean_urls !== undefined && typeof raw.clean_urls !== 'boolean') fail('static.json: clean_urls must be true or false');
  const headers = {};
  if (raw.headers !== undefined) {
    if (!raw.headers || typeof raw.headers !== 'object' || Array.isArray(raw.headers)) fail('static.json: headers must be an object of path pattern to headers');
    for (const [pattern, set] of Object.entries(raw.headers)) {
      if (!pattern.startsWith('/')) fail(`static.json: header pattern "${pattern}" must start with "/"`);
      if (!set || typeof set !== 'object' || Array.isArray(set)) fail(`static.json: headers for "${pattern}" must be an object`);
      headers[pattern] = {};
      for (const [name, value] of Object.entries(set)) {
        if (!HEADER_NAME.test(name)) fail(`static.json: "${name}" is not a valid header name`);
        if (typeof value !== 'string' || /[\r\n\0]/.test(value)) fail(`static.json: header "${name}" must be a single-line string`);
        headers[pattern][name] = value;
      }
    }
  }
  let errorPage = null;
  if (raw.error_page !== undefined) {
    errorPage = insideRelative(rootDir, raw.error_page, 'error_page');
    if (!existsSync(path.join(rootDir, errorPage))) fail(`static.json: error_page "${raw.error_page}" does not exist`);
  } else if (existsSync(path.join(rootDir, '404.html'))) {
    errorPage = '404.html';
  }
  return { root, clean_urls: raw.clean_urls === true, headers, error_page: errorPage };
}

async function compile([buildDir]) {
  if (!buildDir) fail('usage: bin/compile BUILD_DIR CACHE_DIR ENV_DIR');
  const config = readStaticConfig(buildDir);
  const out = path.join(buildDir, '.slipway', 'static');
  mkdirSync(out, { recursive: true });
  copyFileSync(path.join(path.dirname(fileURLToPath(import.meta.url)), 'server.mjs'), path.join(out, 'server.mjs'));
  writeFileSync(path.join(out, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  detail(`Serving ${config.root === '.' ? 'the app directory' : `"${config.root}"`} with the bundled static server` +
    `${config.clean_urls ? ' (clean URLs)' : ''}`);
  if (!existsSync(path.join(buildDir, config.root, 'index.html'))) detail(`Warning: ${path.join(config.root, 'index.html')} does not exist: "/" will answer 404`);
}

export function main() {
  return entry(compile);
}
