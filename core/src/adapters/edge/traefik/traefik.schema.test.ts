// Traefik labels → dynamic configuration → Traefik's published JSON schema (no Traefik binary here).
// The schema is a copy of json.schemastore.org/traefik-v3-file-provider.json kept in infra/traefik/schema/,
// so the test reads it from the clone itself wherever CI checks the project out.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ajv } from 'ajv';
import { ValidationError } from '../../../errors.js';
import { orgNetworkName, serviceName } from '../../../naming.js';
import { labelsToDynamicConfig } from './traefik.dynamic-config.js';
import { MAINTENANCE_SERVICE, maintenanceServiceLabels, routerName, traefikLabels, type TraefikRouteSpec } from './traefik.labels.js';

const SCHEMA = path.resolve(import.meta.dirname, '../../../../../infra/traefik/schema/traefik-v3-file-provider.json');
const ajv = new Ajv({ strict: false, allErrors: true });
const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);

function spec(over: Partial<TraefikRouteSpec> = {}): TraefikRouteSpec {
  return {
    serviceName: serviceName('shop', 'web'),
    hostnames: ['shop.apps.example.net'],
    port: 5000,
    network: orgNetworkName('0b7e1c2a-5d1e-4a8f-9f0e-1234567890ab'),
    certResolver: 'letsencrypt',
    maintenance: false,
    ...over,
  };
}

function expectValid(config: unknown): void {
  const ok = validate(config);
  expect(validate.errors ?? [], JSON.stringify(config)).toEqual([]);
  expect(ok).toBe(true);
}

describe('Traefik labels', () => {
  it('default domain: one router with Host rule, both entrypoints, the cert resolver, the port and network', () => {
    const labels = traefikLabels(spec());
    const r = `traefik.http.routers.${routerName('slw-shop-web', 'shop.apps.example.net')}`;
    expect(labels).toMatchObject({
      'traefik.enable': 'true',
      'traefik.swarm.network': 'slw-org-0b7e1c2a5d1e4a8f9f0e',
      'traefik.http.services.slw-shop-web.loadbalancer.server.port': '5000',
      [`${r}.rule`]: 'Host(`shop.apps.example.net`)',
      [`${r}.entrypoints`]: 'web,websecure',
      [`${r}.tls.certresolver`]: 'letsencrypt',
      [`${r}.service`]: 'slw-shop-web',
    });
    const config = labelsToDynamicConfig([{ name: 'slw-shop-web', labels, addresses: ['10.0.1.5', '10.0.1.6'] }]);
    expect(config.http.routers).toEqual({
      'slw-shop-web--shop_apps_example_net': {
        rule: 'Host(`shop.apps.example.net`)',
        entryPoints: ['web', 'websecure'],
        service: 'slw-shop-web',
        tls: { certResolver: 'letsencrypt' },
      },
    });
    expect(config.http.services['slw-shop-web']).toEqual({
      loadBalancer: { servers: [{ url: 'http://10.0.1.5:5000' }, { url: 'http://10.0.1.6:5000' }] },
    });
    expectValid(config);
  });

  it('custom domains: a router per hostname, all valid against the schema', () => {
    const labels = traefikLabels(spec({ hostnames: ['shop.apps.example.net', 'www.shop-example.com', 'shop-example.com'] }));
    const config = labelsToDynamicConfig([{ name: 'slw-shop-web', labels }]);
    expect(Object.values(config.http.routers).map((r) => r.rule).sort()).toEqual([
      'Host(`shop-example.com`)', 'Host(`shop.apps.example.net`)', 'Host(`www.shop-example.com`)',
    ]);
    expect(config.http.services['slw-shop-web']!.loadBalancer.servers).toEqual([{ url: 'http://slw-shop-web:5000' }]);
    expectValid(config);
  });

  it('without a cert resolver the routers still terminate TLS (tls: {})', () => {
    const config = labelsToDynamicConfig([{ name: 'slw-shop-web', labels: traefikLabels(spec({ certResolver: '' })) }]);
    expect(Object.values(config.http.routers)[0]!.tls).toEqual({});
    expectValid(config);
  });

  it('maintenance points the routers at the maintenance responder', () => {
    const app = { name: 'slw-shop-web', labels: traefikLabels(spec({ maintenance: true })) };
    const responder = { name: MAINTENANCE_SERVICE, labels: maintenanceServiceLabels() };
    const config = labelsToDynamicConfig([app, responder]);
    expect(Object.values(config.http.routers)[0]!.service).toBe(MAINTENANCE_SERVICE);
    expectValid(config);
    expect(() => labelsToDynamicConfig([app])).toThrow(/unknown service slw-maintenance/);
  });

  it('refuses a hostname carrying rule syntax, or any invalid hostname, before it reaches a rule', () => {
    for (const bad of ['a.com`) || Host(`b.com', 'a.com`)', 'A.COM', 'a..com', '-a.com', 'a.com/x', 'localhost', '']) {
      expect(() => traefikLabels(spec({ hostnames: ['ok.example.com', bad] }))).toThrow(ValidationError);
    }
  });

  it('no hostname: Traefik leaves the service alone', () => {
    expect(traefikLabels(spec({ hostnames: [] }))).toEqual({ 'traefik.enable': 'false' });
    expect(labelsToDynamicConfig([{ name: 'x', labels: { 'traefik.enable': 'false' } }]).http.routers).toEqual({});
  });

  it('the converter refuses unknown label keys, and the schema refuses what Traefik would', () => {
    expect(() => labelsToDynamicConfig([{ name: 's', labels: { 'traefik.enable': 'true', 'traefik.http.routers.r.rulez': 'Host(`a.b`)' } }])).toThrow(/unknown Traefik label field/);
    const config = labelsToDynamicConfig([{ name: 'slw-shop-web', labels: traefikLabels(spec()) }]);
    const broken = structuredClone(config) as unknown as { http: { routers: Record<string, Record<string, unknown>> } };
    const router = Object.values(broken.http.routers)[0]!;
    router.entryPoints = 'web';
    router.certResolver = 'letsencrypt';
    expect(validate(broken)).toBe(false);
  });
});
