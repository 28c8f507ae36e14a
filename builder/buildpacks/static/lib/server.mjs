// Slipway's static file server, copied into static slugs as .slipway/static/server.mjs and run as
// `web: node .slipway/static/server.mjs` on $PORT with the stack's node. No dependencies.
// GET and HEAD; content types by extension; weak ETag + Last-Modified with 304s; directory index
// (index.html, redirect to the trailing slash); clean URLs; headers by path pattern; a 404 page.
// Never serves outside the root (no "..", no dotfiles, symlinks resolved and checked).
import { createReadStream, readFileSync, realpathSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  html: 'text/html; charset=utf-8', htm: 'text/html; charset=utf-8', css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8', mjs: 'text/javascript; charset=utf-8', json: 'application/json; charset=utf-8',
  map: 'application/json; charset=utf-8', webmanifest: 'application/manifest+json', txt: 'text/plain; charset=utf-8',
  md: 'text/markdown; charset=utf-8', csv: 'text/csv; charset=utf-8', xml: 'application/xml; charset=utf-8',
  svg: 'image/svg+xml', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp',
  avif: 'image/avif', ico: 'image/x-icon', pdf: 'application/pdf', wasm: 'application/wasm', woff: 'font/woff',
  woff2: 'font/woff2', ttf: 'font/ttf', otf: 'font/otf', mp4: 'video/mp4', webm: 'video/webm', mp3: 'audio/mpeg',
  wav: 'audio/wav', ogg: 'audio/ogg', zip: 'application/zip', gz: 'application/gzip',
};
const NOT_FOUND = '<!doctype html><html><head><meta charset="utf-8"><title>404 Not Found</title></head>' +
  '<body><h1>404 Not Found</h1><p>The requested page does not exist.</p></body></html>\n';

function globToRegExp(pattern) {
  const re = pattern.split(/(\*\*|\*)/).map((part) => {
    if (part === '**') return '.*';
    if (part === '*') return '[^/]*';
    return part.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }).join('');
  return new RegExp(`^${re}$`);
}

function createStaticServer(appDir) {
  const config = JSON.parse(readFileSync(path.join(appDir, '.slipway', 'static', 'config.json'), 'utf8'));
  const root = realpathSync(path.resolve(appDir, config.root));
  const headerRules = Object.entries(config.headers ?? {}).map(([p, set]) => ({ re: globToRegExp(p), set }));
  const hidden = config.root === '.' ? new Set(['/static.json', '/Procfile']) : new Set();

  const extraHeaders = (urlPath) => {
    const out = {};
    for (const rule of headerRules) if (rule.re.test(urlPath)) Object.assign(out, rule.set);
    return out;
  };

  /** A regular file inside the root, or null. */
  async function lookup(rel) {
    const full = path.join(root, rel);
    const st = await stat(full).catch(() => null);
    if (!st) return null;
    const real = await realpath(full).catch(() => null);
    if (!real || (real !== root && !real.startsWith(root + path.sep))) return null;
    return { file: real, st };
  }

  function send(req, res, status, found, urlPath) {
    const { file, st } = found;
    const etag = `W/"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
    const headers = {
      'Content-Type': TYPES[path.extname(file).slice(1).toLowerCase()] ?? 'application/octet-stream',
      'Content-Length': st.size,
      'Last-Modified': st.mtime.toUTCString(),
      ETag: etag,
      'X-Content-Type-Options': 'nosniff',
      ...extraHeaders(urlPath),
    };
    if (status === 200) {
      const inm = req.headers['if-none-match'];
      const ims = req.headers['if-modified-since'];
      const fresh = inm ? inm.split(',').some((t) => t.trim() === etag || t.trim() === '*')
        : ims ? Math.floor(st.mtimeMs / 1000) <= Math.floor(Date.parse(ims) / 1000) : false;
      if (fresh) {
        delete headers['Content-Length'];
        res.writeHead(304, headers);
        res.end();
        return;
      }
    }
    res.writeHead(status, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const stream = createReadStream(file);
    stream.on('error', () => res.destroy());
    stream.pipe(res);
  }

  async function notFound(req, res, urlPath) {
    const page = config.error_page ? await lookup(config.error_page) : null;
    if (page?.st.isFile()) {
      send(req, res, 404, page, urlPath);
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': Buffer.byteLength(NOT_FOUND) });
    res.end(req.method === 'HEAD' ? undefined : NOT_FOUND);
  }

  function redirect(res, location) {
    res.writeHead(301, { Location: location, 'Content-Length': 0 });
    res.end();
  }

  async function handle(req, res) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Length': 0 });
      res.end();
      return;
    }
    const url = new URL(req.url ?? '/', 'http://static.invalid');
    let urlPath;
    try {
      urlPath = decodeURIComponent(url.pathname);
    } catch {
      res.writeHead(400, { 'Content-Length': 0 });
      res.end();
      return;
    }
    const segments = urlPath.split('/');
    if (urlPath.includes('\0') || urlPath.includes('\\') || segments.some((s) => s.startsWith('.')) || hidden.has(urlPath)) {
      await notFound(req, res, urlPath);
      return;
    }
    if (urlPath.endsWith('/')) {
      const index = await lookup(`${urlPath}index.html`);
      if (index?.st.isFile()) send(req, res, 200, index, urlPath);
      else await notFound(req, res, urlPath);
      return;
    }
    const found = await lookup(urlPath);
    if (config.clean_urls && urlPath.endsWith('.html') && found?.st.isFile()) {
      redirect(res, `${url.pathname.slice(0, -5)}${url.search}`);
      return;
    }
    if (found?.st.isFile()) {
      send(req, res, 200, found, urlPath);
      return;
    }
    if (found?.st.isDirectory()) {
      redirect(res, `${url.pathname}/${url.search}`);
      return;
    }
    if (config.clean_urls) {
      const html = await lookup(`${urlPath}.html`);
      if (html?.st.isFile()) {
        send(req, res, 200, html, urlPath);
        return;
      }
    }
    await notFound(req, res, urlPath);
  }

  return http.createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'Content-Length': 0 });
      res.end();
    });
  });
}

// Run as a program: serve the app this file was copied into (two levels up) on $PORT.
const appDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const server = createStaticServer(appDir);
server.keepAliveTimeout = 65_000;
const port = Number(process.env.PORT || 5000);
server.listen(port, () => process.stdout.write(`static server listening on port ${port}\n`));
const stop = () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections?.();
  setTimeout(() => process.exit(0), 10_000).unref();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
