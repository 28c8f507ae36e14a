// Turns Traefik labels into Traefik's dynamic configuration object, the way Traefik's swarm provider
// does: label paths are matched to configuration fields case-insensitively, lists are comma-separated,
// `loadbalancer.server.port` becomes one server URL per task address, `tls=true` an empty tls section,
// a router without a service gets the only service its labels define. Several label sets (one per
// swarm service) merge into one configuration, as in Traefik.
// Promises: an unknown label key is an error (a typo must not be silently ignored).
// Leaves out: TCP/UDP routers, middlewares beyond the few Slipway could use, provider namespaces
// (`@swarm`), Traefik's default rule for label sets without a router.

export interface LabelSource {
  labels: Record<string, string>;
  /** Addresses of the service's tasks (dnsrr: one per task). Default: the service's DNS name. */
  addresses?: string[];
  /** Service name, used as the default address. */
  name: string;
}

export interface HttpRouterConfig {
  entryPoints?: string[];
  rule: string;
  service?: string;
  middlewares?: string[];
  priority?: number;
  tls?: { certResolver?: string; options?: string };
}

export interface DynamicConfig {
  http: {
    routers: Record<string, HttpRouterConfig>;
    services: Record<string, { loadBalancer: { servers: { url: string }[]; passHostHeader?: boolean } }>;
    middlewares?: Record<string, Record<string, unknown>>;
  };
}

const FIELD_NAMES = [
  'entryPoints', 'rule', 'ruleSyntax', 'priority', 'middlewares', 'service', 'tls', 'certResolver', 'options',
  'loadBalancer', 'passHostHeader', 'redirectScheme', 'scheme', 'permanent', 'port', 'errors', 'status', 'query',
  'stripPrefix', 'prefixes', 'headers', 'customResponseHeaders', 'customRequestHeaders',
];
const FIELD = new Map(FIELD_NAMES.map((f) => [f.toLowerCase(), f]));
const LIST_FIELDS = new Set(['entryPoints', 'middlewares', 'status', 'prefixes']);
const INT_FIELDS = new Set(['priority']);
const BOOL_FIELDS = new Set(['passHostHeader', 'permanent']);
/** Labels that configure the provider, not the routing. */
const PROVIDER_LABELS = new Set(['traefik.enable', 'traefik.swarm.network', 'traefik.docker.network', 'traefik.swarm.lbswarm']);

function field(segment: string, where: string): string {
  const f = FIELD.get(segment.toLowerCase());
  if (!f) throw new Error(`unknown Traefik label field "${segment}" in ${where}`);
  return f;
}

function typed(name: string, value: string): unknown {
  if (LIST_FIELDS.has(name)) return value.split(',').map((v) => v.trim()).filter(Boolean);
  if (INT_FIELDS.has(name)) {
    if (!/^\d+$/.test(value)) throw new Error(`Traefik field ${name} must be an integer`);
    return Number(value);
  }
  if (BOOL_FIELDS.has(name)) {
    if (value !== 'true' && value !== 'false') throw new Error(`Traefik field ${name} must be true or false`);
    return value === 'true';
  }
  return value;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown, where: string): void {
  let node = target;
  for (const [i, seg] of path.entries()) {
    if (i === path.length - 1) {
      node[seg] = value;
      return;
    }
    const next = node[seg];
    if (next === undefined) node[seg] = {};
    else if (typeof next !== 'object' || next === null || Array.isArray(next)) throw new Error(`conflicting Traefik labels at ${where}`);
    node = node[seg] as Record<string, unknown>;
  }
}

export function labelsToDynamicConfig(sources: LabelSource[]): DynamicConfig {
  const config: DynamicConfig = { http: { routers: {}, services: {} } };
  for (const src of sources) {
    if (src.labels['traefik.enable'] !== 'true') continue;
    const routers: Record<string, Record<string, unknown>> = {};
    const services: Record<string, { port?: string; scheme?: string; passHostHeader?: boolean }> = {};
    const middlewares: Record<string, Record<string, unknown>> = {};
    for (const [key, value] of Object.entries(src.labels)) {
      if (!key.startsWith('traefik.') || PROVIDER_LABELS.has(key)) continue;
      const parts = key.split('.');
      const [, protocol, kind, name, ...rest] = parts;
      if (protocol !== 'http' || !name || rest.length === 0) throw new Error(`unsupported Traefik label ${key}`);
      if (kind === 'routers') {
        const router = (routers[name] ??= {});
        const path = rest.map((s) => field(s, key));
        if (path.length === 1 && path[0] === 'tls') {
          if (value !== 'true' && value !== 'false') throw new Error(`${key} must be true or false`);
          if (value === 'true') router.tls ??= {};
          continue;
        }
        setPath(router, path, typed(path.at(-1)!, value), key);
      } else if (kind === 'services') {
        const svc = (services[name] ??= {});
        const path = rest.map((s) => s.toLowerCase());
        if (path[0] !== 'loadbalancer') throw new Error(`unsupported Traefik label ${key}`);
        if (path[1] === 'server' && path[2] === 'port' && path.length === 3) {
          if (!/^\d{1,5}$/.test(value)) throw new Error(`${key} must be a port number`);
          svc.port = value;
        } else if (path[1] === 'server' && path[2] === 'scheme' && path.length === 3) svc.scheme = value;
        else if (path[1] === 'passhostheader' && path.length === 2) svc.passHostHeader = typed('passHostHeader', value) as boolean;
        else throw new Error(`unsupported Traefik label ${key}`);
      } else if (kind === 'middlewares') {
        const mw = (middlewares[name] ??= {});
        const path = rest.map((s) => field(s, key));
        setPath(mw, path, typed(path.at(-1)!, value), key);
      } else {
        throw new Error(`unsupported Traefik label ${key}`);
      }
    }
    const serviceNames = Object.keys(services);
    for (const [name, r] of Object.entries(routers)) {
      if (typeof r.rule !== 'string') throw new Error(`Traefik router ${name} has no rule`);
      if (r.service === undefined) {
        if (serviceNames.length !== 1) throw new Error(`Traefik router ${name} names no service and its labels define ${serviceNames.length}`);
        r.service = serviceNames[0];
      }
      if (config.http.routers[name]) throw new Error(`Traefik router ${name} defined twice`);
      config.http.routers[name] = r as unknown as HttpRouterConfig;
    }
    for (const [name, s] of Object.entries(services)) {
      const addresses = src.addresses?.length ? src.addresses : [src.name];
      const port = s.port ?? '80';
      const lb: DynamicConfig['http']['services'][string]['loadBalancer'] = {
        servers: addresses.map((a) => ({ url: `${s.scheme ?? 'http'}://${a}:${port}` })),
      };
      if (s.passHostHeader !== undefined) lb.passHostHeader = s.passHostHeader;
      config.http.services[name] = { loadBalancer: lb };
    }
    if (Object.keys(middlewares).length) config.http.middlewares = { ...config.http.middlewares, ...middlewares };
  }
  for (const [name, r] of Object.entries(config.http.routers)) {
    if (r.service && !config.http.services[r.service]) throw new Error(`Traefik router ${name} points at unknown service ${r.service}`);
  }
  return config;
}
