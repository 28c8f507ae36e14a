// Traefik v3 swarm-provider labels for an app's web service (DESIGN.md §6).
// Promises: one router per hostname with a `Host(`…`)` rule, entrypoints web + websecure, TLS with
// the configured cert resolver, one load-balancer service on the process's port, the org network
// Traefik must use to reach the tasks, `traefik.enable=true`. Every hostname is validated with
// validateHostname before it reaches a rule, so rule syntax in a hostname is refused. In maintenance
// the routers point at the platform's maintenance responder instead of the app.
// Leaves out: Traefik's own static configuration (infra/traefik), applying the labels (SwarmRuntime).
import { validateHostname } from '../../../naming.js';

export const TRAEFIK_ENTRYPOINTS = ['web', 'websecure'] as const;
/** The service (and Traefik service name) answering 503 with a maintenance page. */
export const MAINTENANCE_SERVICE = 'slw-maintenance';
/** The network Traefik and the maintenance responder share. */
export const EDGE_NETWORK = 'slw-edge';
export const MAINTENANCE_PORT = 8080;

export interface TraefikRouteSpec {
  /** Swarm service name, e.g. slw-myapp-web; also the Traefik service name. */
  serviceName: string;
  hostnames: readonly string[];
  /** Port the process listens on inside its container ($PORT). */
  port: number;
  /** Overlay network Traefik shares with the tasks (the organization's network). */
  network: string;
  /** Cert resolver name from config.traefik.certResolver; empty: TLS with Traefik's default cert. */
  certResolver: string;
  maintenance: boolean;
}

const NAME_RE = /^[a-z][a-z0-9-]{0,99}$/;

/** A router name per hostname: dots become underscores (no hostname holds one), so names are unique. */
export function routerName(serviceName: string, hostname: string): string {
  return `${serviceName}--${hostname.replace(/\./g, '_')}`;
}

export function traefikLabels(spec: TraefikRouteSpec): Record<string, string> {
  if (!NAME_RE.test(spec.serviceName)) throw new Error(`invalid service name for Traefik: ${spec.serviceName}`);
  if (!NAME_RE.test(spec.network)) throw new Error(`invalid network name for Traefik: ${spec.network}`);
  if (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65535) throw new Error('invalid port for Traefik');
  const hostnames = [...new Set(spec.hostnames.map((h) => validateHostname(h)))];
  if (hostnames.length === 0) return { 'traefik.enable': 'false' };
  const svc = spec.serviceName;
  const labels: Record<string, string> = {
    'traefik.enable': 'true',
    'traefik.swarm.network': spec.network,
    [`traefik.http.services.${svc}.loadbalancer.server.port`]: String(spec.port),
  };
  for (const host of hostnames) {
    const r = `traefik.http.routers.${routerName(svc, host)}`;
    labels[`${r}.rule`] = `Host(\`${host}\`)`;
    labels[`${r}.entrypoints`] = TRAEFIK_ENTRYPOINTS.join(',');
    labels[`${r}.service`] = spec.maintenance ? MAINTENANCE_SERVICE : svc;
    if (spec.certResolver) labels[`${r}.tls.certresolver`] = spec.certResolver;
    else labels[`${r}.tls`] = 'true';
  }
  return labels;
}

/** Labels of the maintenance responder's own service (defines the Traefik service it answers as). */
export function maintenanceServiceLabels(): Record<string, string> {
  return {
    'traefik.enable': 'true',
    'traefik.swarm.network': EDGE_NETWORK,
    [`traefik.http.services.${MAINTENANCE_SERVICE}.loadbalancer.server.port`]: String(MAINTENANCE_PORT),
  };
}

export function isTraefikLabel(key: string): boolean {
  return key.startsWith('traefik.');
}
