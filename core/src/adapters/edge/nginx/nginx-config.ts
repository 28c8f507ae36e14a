// nginx configuration text for the edges: the main nginx.conf (local edge: written once by the
// bootstrap CLI), the routing include (written by NginxEdge on every change) and the edge's own HTML
// pages. The swarm edge uses the same text with the routes inlined into one file and a `resolver`:
// its targets are DNS names (tasks.slw-<app>-web) looked up per request through Docker's embedded
// DNS, so tasks that come and go are found without a reload.
// TLS: with a TLS port, a hostname that has a certificate gets an HTTPS server (SNI, HTTP/2) and,
// when its app redirects, plain HTTP answers 308 to https; a name without a certificate is
// refused at the TLS handshake. /.well-known/acme-challenge/ on plain HTTP goes to the ACME
// responder (the api) before anything else, for every hostname, so HTTP-01 works even in
// maintenance or before an app has a web process.
// Pure functions: every name that reaches the text is validated here first (hostnames with
// validateHostname, app ids and targets by their own rules), so no input can inject a directive.
// Leaves out: writing files (certificate files included), running nginx (nginx.edge.ts,
// nginx-bootstrap.ts, the edge image).
import net from 'node:net';
import path from 'node:path';
import { ValidationError } from '../../../errors.js';
import { printable, validateHostname } from '../../../naming.js';
import type { EdgeRoute, EdgeTarget } from '../../../ports/edge.port.js';

export interface EdgeLayout {
  /** Absolute directory holding nginx.conf, routes/, logs/, tmp/. */
  dir: string;
  port: number;
  bind: string;
  /** Worker user when the master runs as root (null: do not switch). */
  user: string | null;
  /** HTTPS port (null: plain HTTP only). */
  tlsPort?: number | null;
  /** The HTTPS port clients see, when it differs from tlsPort (the swarm edge listens on 8443 in
   *  its container, published on config.edge.tlsPort): the port HTTP→HTTPS redirects name. */
  publicTlsPort?: number | null;
  /** host:port of the ACME HTTP-01 responder (the api); null: challenges get the 404 page. */
  acmeUpstream?: string | null;
  /** A DNS resolver (IP) for targets named by hostname: looked up per request (swarm edge). */
  resolver?: string;
}

/** Where a hostname's certificate file is (chain then key in one file, written by NginxEdge). */
export type CertificateFiles = ReadonlyMap<string, string>;

export const edgePaths = (dir: string) => ({
  main: path.join(dir, 'nginx.conf'),
  candidateMain: path.join(dir, 'nginx-candidate.conf'),
  active: path.join(dir, 'routes', 'active.conf'),
  candidate: path.join(dir, 'routes', 'candidate.conf'),
  table: path.join(dir, 'routes', 'table.json'),
  certs: path.join(dir, 'certs'),
  logs: path.join(dir, 'logs'),
  tmp: path.join(dir, 'tmp'),
  pid: path.join(dir, 'nginx.pid'),
});

const APP_ID_RE = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;
const SAFE_PATH_RE = /^\/[A-Za-z0-9._/-]*$/;

function assertSafePath(p: string): string {
  if (!SAFE_PATH_RE.test(p)) throw new ValidationError(`edge directory "${printable(p)}" must be an absolute path of letters, digits, ".", "_", "-" and "/"`);
  return p;
}

/** listen directives for the bind address; "::" means every address, IPv4 and IPv6. */
function listenLines(bind: string, port: number, indent: string, extra = ''): string {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ValidationError(`edge port ${port} is not a TCP port`);
  let addrs: string[];
  if (bind === '0.0.0.0' || bind === '*') addrs = [`${port}`];
  else if (bind === '::') addrs = [`${port}`, `[::]:${port}`];
  else if (net.isIPv6(bind)) addrs = [`[${bind}]:${port}`];
  else if (net.isIPv4(bind) || bind === 'localhost') addrs = [`${bind}:${port}`];
  else throw new ValidationError(`edge bind address "${printable(bind)}" must be an IP address`);
  return addrs.map((a) => `${indent}listen ${a}${extra};\n`).join('');
}

function target(t: EdgeTarget): string {
  if (!Number.isInteger(t.port) || t.port < 1 || t.port > 65535) throw new ValidationError(`target port ${t.port} is not a TCP port`);
  if (net.isIPv4(t.host)) return `${t.host}:${t.port}`;
  if (net.isIPv6(t.host)) return `[${t.host}]:${t.port}`;
  return `${validateHostname(t.host)}:${t.port}`;
}

/** `upstream slw_acme` from "host:port" (validated like a target). */
function acmeUpstreamBlock(hostPort: string | null | undefined): string {
  if (!hostPort) return '';
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:]+):(\d{1,5})$/.exec(hostPort);
  if (!m) throw new ValidationError(`ACME upstream "${printable(hostPort)}" must be host:port`);
  const t = target({ host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) });
  return `    upstream slw_acme {\n        server ${t};\n        keepalive 4;\n    }\n`;
}

const acmeLocation = (layout: EdgeLayout, indent: string): string =>
  layout.acmeUpstream ? `${indent}location ^~ /.well-known/acme-challenge/ { proxy_pass http://slw_acme; }\n` : '';

const tlsListen = (layout: EdgeLayout, indent: string, extra = ''): string => listenLines(layout.bind, layout.tlsPort!, indent, ` ssl http2${extra}`);

export const upstreamName = (appId: string): string => {
  if (!APP_ID_RE.test(appId)) throw new ValidationError(`app id "${printable(appId)}" is not a valid id`);
  return `slw_${appId.replace(/-/g, '_')}`;
};

/** `return CODE '<html>'`: the edge's pages live in the configuration, so nginx workers need no
 *  file access (the data directory may be private to root). */
const pageReturn = (code: number, name: keyof typeof PAGES): string =>
  `default_type text/html; return ${code} '${PAGES[name]}';`;

/** The main configuration; with `inlineRoutes` (the swarm edge) the routing table is part of this
 *  one file instead of the include the local edge rewrites. */
export function mainConfig(layout: EdgeLayout, inlineRoutes?: string): string {
  const dir = assertSafePath(layout.dir);
  const p = edgePaths(dir);
  const listen = listenLines(layout.bind, layout.port, '        ', ' default_server');
  if (layout.resolver !== undefined && !net.isIP(layout.resolver)) throw new ValidationError(`edge resolver "${printable(layout.resolver)}" must be an IP address`);
  const resolver = layout.resolver ? `    resolver ${layout.resolver} valid=2s ipv6=off;\n    resolver_timeout 3s;\n` : '';
  const routes = inlineRoutes === undefined ? `    include ${p.active};\n` : inlineRoutes;
  const tls = layout.tlsPort
    ? `    # TLS: modern protocols only; names without a certificate are refused at the handshake.
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers off;
    ssl_session_cache shared:slw_tls:10m;
    ssl_session_timeout 1h;
    ssl_session_tickets off;
    server {
${tlsListen(layout, '        ', ' default_server')}        server_name _;
        ssl_reject_handshake on;
    }

`
    : '';
  return `# Slipway edge. ${inlineRoutes === undefined
    ? `Written by nginx-bootstrap; the routing table is\n# ${p.active}, written by the worker (NginxEdge) and validated with nginx -t before each reload.`
    : 'Rendered by the api for the swarm edge, with the routing table inline;\n# the edge agent validates it with nginx -t before it reloads.'}
${layout.user ? `user ${layout.user};\n` : ''}worker_processes auto;
worker_rlimit_nofile 16384;
worker_shutdown_timeout 10s;
pid ${p.pid};
error_log ${p.logs}/error.log warn;

events {
    worker_connections 4096;
}

http {
    types { text/html html; }
    default_type application/octet-stream;
    server_tokens off;
    sendfile on;
    tcp_nodelay on;
    keepalive_timeout 65s;
    keepalive_requests 10000;
    client_max_body_size 100m;
    server_names_hash_max_size 8192;
    server_names_hash_bucket_size 128;
    map_hash_bucket_size 128;

    client_body_temp_path ${p.tmp}/client_body;
    proxy_temp_path ${p.tmp}/proxy;
    fastcgi_temp_path ${p.tmp}/fastcgi;
    uwsgi_temp_path ${p.tmp}/uwsgi;
    scgi_temp_path ${p.tmp}/scgi;

    # X-Request-Id: the client's own when it looks sane, else nginx's random id.
    map $http_x_request_id $slw_request_id {
        default $request_id;
        "~^[A-Za-z0-9._:@+=-]{8,200}$" $http_x_request_id;
    }
    # Websocket upgrade passes through; other requests keep the upstream connection alive.
    map $http_upgrade $slw_connection {
        default upgrade;
        '' '';
    }

    log_format slipway '$remote_addr [$time_iso8601] "$host" "$request" $status $body_bytes_sent '
                       '$request_time "$upstream_addr" $upstream_response_time rid=$slw_request_id '
                       '"$http_user_agent"';
    access_log ${p.logs}/access.log slipway buffer=32k flush=1s;

    proxy_http_version 1.1;
    proxy_set_header Host $http_host;
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    proxy_set_header X-Forwarded-Proto $scheme;
    proxy_set_header X-Forwarded-Host $host;
    proxy_set_header X-Forwarded-Port $server_port;
    proxy_set_header X-Real-IP $remote_addr;
    proxy_set_header X-Request-Id $slw_request_id;
    proxy_set_header Upgrade $http_upgrade;
    proxy_set_header Connection $slw_connection;
    # No temp files: request bodies stream to the app, large responses stream to the client.
    # (Workers run unprivileged and may not be able to reach a temp dir inside a private data dir.)
    client_body_buffer_size 128k;
    proxy_request_buffering off;
    proxy_max_temp_file_size 0;
    proxy_connect_timeout 5s;
    proxy_send_timeout 120s;
    proxy_read_timeout 120s;
    proxy_next_upstream error timeout;
    proxy_next_upstream_tries 3;
    add_header X-Request-Id $slw_request_id always;
${resolver}
${acmeUpstreamBlock(layout.acmeUpstream)}
    # Unknown hosts: a clear 404.
    server {
${listen}        server_name _;
${acmeLocation(layout, '        ')}        location / { ${pageReturn(404, 'notFound')} }
    }

${tls}
${routes}}
`;
}

/** The one target of a route the edge looks up per request (a hostname, with a resolver), or null. */
function dynamicTarget(layout: EdgeLayout, route: EdgeRoute): string | null {
  const only = route.targets.length === 1 ? route.targets[0]! : null;
  return layout.resolver && only && !net.isIP(only.host) ? target(only) : null;
}

function routeBody(route: EdgeRoute, name: string, dynamic: string | null = null): string {
  if (route.unavailable) {
    return `    location / {\n        add_header X-Request-Id $slw_request_id always;\n        ${pageReturn(503, 'unavailable')}\n    }\n`;
  }
  if (route.maintenance) {
    return `    location / {\n        add_header Retry-After 120 always;\n        add_header X-Request-Id $slw_request_id always;\n` +
      `        ${pageReturn(503, 'maintenance')}\n    }\n`;
  }
  if (!route.targets.length) return `    location / { ${pageReturn(503, 'noWeb')} }\n`;
  const errorPage = `    error_page 502 503 504 @slw_app_error;\n    location @slw_app_error { ${pageReturn(502, 'appError')} }\n`;
  if (dynamic) {
    // looked up per request (every address the name has, round-robin, the next one on error)
    const [host, port] = dynamic.split(':');
    return `${errorPage}    location / {\n        set $slw_target "${host}";\n        proxy_pass http://$slw_target:${port};\n    }\n`;
  }
  return `${errorPage}    location / { proxy_pass http://${name}; }\n`;
}

function routeBlock(layout: EdgeLayout, route: EdgeRoute, certFiles: CertificateFiles): string {
  const name = upstreamName(route.appId);
  const hosts = [...new Set(route.hostnames.map((h) => validateHostname(h)))];
  if (!hosts.length) return '';
  const listen = listenLines(layout.bind, layout.port, '    ');
  const server = (names: string[], head: string, body: string) => `server {\n${head}    server_name ${names.join(' ')};\n${body}}\n`;
  const dynamic = dynamicTarget(layout, route);
  const body = routeBody(route, name, dynamic);
  const upstream = route.unavailable || route.maintenance || !route.targets.length || dynamic
    ? ''
    : `upstream ${name} {\n${[...new Set(route.targets.map(target))].map((t) => `    server ${t} max_fails=1 fail_timeout=3s;\n`).join('')}    keepalive 32;\n}\n`;
  // hostnames with a certificate, grouped by certificate file (one HTTPS server each)
  const byFile = new Map<string, string[]>();
  if (layout.tlsPort) {
    for (const h of hosts) {
      const file = certFiles.get(h);
      if (file) byFile.set(file, [...(byFile.get(file) ?? []), h]);
    }
  }
  const secured = new Set([...byFile.values()].flat());
  const redirected = route.httpsRedirect ? hosts.filter((h) => secured.has(h)) : [];
  const plain = hosts.filter((h) => !redirected.includes(h));
  const acme = acmeLocation(layout, '    ');
  let out = `# app ${route.appId}\n${upstream}`;
  if (plain.length) out += server(plain, listen, acme + body);
  if (redirected.length) {
    const shown = layout.publicTlsPort ?? layout.tlsPort!;
    if (!Number.isInteger(shown) || shown < 1 || shown > 65535) throw new ValidationError(`edge TLS port ${shown} is not a TCP port`);
    const port = shown === 443 ? '' : `:${shown}`;
    out += server(redirected, listen, `${acme}    location / { return 308 https://$host${port}$request_uri; }\n`);
  }
  for (const [file, names] of byFile) {
    const f = assertSafePath(file);
    out += server(names, tlsListen(layout, '    '), `    ssl_certificate ${f};\n    ssl_certificate_key ${f};\n` + body);
  }
  return out;
}

/** The routing include: per routed app, an upstream and its servers (HTTP, HTTPS), in a stable
 *  order. `certFiles` maps a hostname to its certificate file (ignored without a TLS port). */
export function routesConfig(layout: EdgeLayout, routes: EdgeRoute[], certFiles: CertificateFiles = new Map()): string {
  assertSafePath(layout.dir);
  const seen = new Map<string, string>();
  for (const r of routes) {
    for (const h of r.hostnames) {
      const other = seen.get(h);
      if (other && other !== r.appId) throw new ValidationError(`hostname ${h} is routed to two apps`);
      seen.set(h, r.appId);
    }
  }
  const sorted = [...routes].sort((a, b) => a.appId.localeCompare(b.appId));
  return `# Slipway routing table (written by the worker; do not edit)\n` + sorted.map((r) => routeBlock(layout, r, certFiles)).join('\n');
}

// One line, no single quote, backslash or "$": safe inside a single-quoted nginx string.
const page = (title: string, text: string): string =>
  `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
  `<title>${title}</title><style>body{margin:0;font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;background:#f6f7fb;color:#3f3f44}` +
  `main{max-width:36rem;margin:18vh auto 0;padding:2.5rem;background:#fff;border-radius:8px;box-shadow:0 1px 4px rgba(0,0,0,.08);text-align:center}` +
  `h1{font-size:1.6rem;margin:0 0 .8rem;color:#43396b}p{line-height:1.5;margin:0}</style></head>` +
  `<body><main><h1>${title}</h1><p>${text}</p></main></body></html>`;

export const PAGES = {
  notFound: page('No such app', 'There is no app configured at this hostname. Check the address, or the domain settings of the app.'),
  maintenance: page('Offline for maintenance', 'This app is undergoing maintenance right now. Please check back later.'),
  appError: page('Application error', 'An error occurred in the application and your page could not be served. If you are the application owner, check your logs for details.'),
  unavailable: page('Application unavailable', 'This app is not available right now. Please check back later.'),
  noWeb: page('Application error', 'This app has no web processes running. If you are the application owner, scale up its web process.'),
};
