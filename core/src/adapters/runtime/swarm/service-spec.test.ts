// Service specs SwarmRuntime sends to Docker: pure functions, checked field by field.
import { describe, expect, it } from 'vitest';
import type { ReleaseSpec } from '../../../ports/runtime.port.js';
import { ValidationError } from '../../../errors.js';
import { DEFAULT_TIMINGS, LABEL_SPEC, envFileContent, envSecretName, processServiceSpec, type SpecOptions } from './service-spec.js';

const opts: SpecOptions = { stackImage: 'slipway/stack:abc', timings: DEFAULT_TIMINGS, certResolver: 'letsencrypt', cpuReservationRatio: 0.25 };
const spec = (over: Partial<ReleaseSpec> = {}): ReleaseSpec => ({
  app: { id: 'a1b2', name: 'shop', orgId: '0b7e1c2a-5d1e-4a8f-9f0e-1234567890ab' },
  release: { id: 'r1', version: 7 },
  artifact: { kind: 'slug', objectKey: 'slugs/a1b2/s.tgz', sha256: 'f'.repeat(64), size: 10 },
  env: { DATABASE_URL: 'postgres://u:secret@h/db' },
  processes: [{ type: 'web', command: 'node server.js', quantity: 2 }, { type: 'worker', command: 'node w.js', quantity: 1 }],
  plan: { cpu: 0.5, memoryMb: 512, maxReplicas: 10 },
  healthCheckPath: '/healthz',
  routing: { hostnames: ['shop.apps.example.net'], maintenance: false },
  ...over,
});
const secret = { id: 'sec123', name: 'slw-shop-env-abc' };

describe('processServiceSpec', () => {
  it('web: name, labels, dnsrr, network, limits, start-first update with rollback, HTTP health check', () => {
    const s = processServiceSpec({ spec: spec(), process: spec().processes[0]!, secret }, opts);
    expect(s.Name).toBe('slw-shop-web');
    expect(s.Labels).toMatchObject({
      'slipway.managed': 'true', 'slipway.app': 'a1b2', 'slipway.org': '0b7e1c2a-5d1e-4a8f-9f0e-1234567890ab',
      'slipway.process-type': 'web', 'slipway.release': '7', 'traefik.enable': 'true', 'traefik.swarm.network': 'slw-org-0b7e1c2a5d1e4a8f9f0e',
    });
    expect(s.TaskTemplate.ContainerSpec.Labels).toMatchObject({ 'slipway.managed': 'true', 'slipway.app': 'a1b2' });
    expect(s.EndpointSpec).toEqual({ Mode: 'dnsrr' });
    expect(s.Mode).toEqual({ Replicated: { Replicas: 2 } });
    expect(s.TaskTemplate.Networks).toEqual([{ Target: 'slw-org-0b7e1c2a5d1e4a8f9f0e', Aliases: ['slw-shop-web'] }]);
    expect(s.TaskTemplate.Resources).toEqual({
      Limits: { NanoCPUs: 500_000_000, MemoryBytes: 512 * 1024 * 1024 },
      Reservations: { NanoCPUs: 125_000_000, MemoryBytes: 512 * 1024 * 1024 },
    });
    expect(s.UpdateConfig).toMatchObject({ Order: 'start-first', FailureAction: 'rollback', Monitor: 5e9 });
    expect(s.RollbackConfig).toMatchObject({ Order: 'start-first' });
    expect(s.TaskTemplate.RestartPolicy).toMatchObject({ Condition: 'any', Delay: 5e9, MaxAttempts: 10 });
    expect(s.TaskTemplate.ContainerSpec.Healthcheck?.Test).toEqual(['CMD', '/usr/local/bin/slipway-health', '/healthz']);
    // never root, no capabilities, no privilege escalation
    expect(s.TaskTemplate.ContainerSpec).toMatchObject({ User: '10000:10000', CapabilityDrop: ['ALL'], Privileges: { NoNewPrivileges: true } });
    expect(s.TaskTemplate.ContainerSpec.CapabilityAdd).toBeUndefined();
    expect(s.TaskTemplate.ContainerSpec.Args).toEqual(['node server.js']);
    expect(s.TaskTemplate.ContainerSpec.Secrets).toEqual([{ SecretID: 'sec123', SecretName: 'slw-shop-env-abc', File: { Name: 'slipway-env', UID: '10000', GID: '10000', Mode: 0o400 } }]);
  });

  it('config vars never appear in the spec (they travel in the secret)', () => {
    const s = processServiceSpec({ spec: spec(), process: spec().processes[0]!, secret }, opts);
    expect(JSON.stringify(s)).not.toContain('secret@h');
    expect(s.TaskTemplate.ContainerSpec.Env).toEqual(['PORT=5000', 'DYNO=web.{{.Task.Slot}}', 'SLIPWAY_DRAIN_SECONDS=3']);
  });

  it('web without a health check path: a TCP check; other types: none, and no Traefik labels', () => {
    const web = processServiceSpec({ spec: spec({ healthCheckPath: null }), process: spec().processes[0]!, secret }, opts);
    expect(web.TaskTemplate.ContainerSpec.Healthcheck?.Test).toEqual(['CMD', '/usr/local/bin/slipway-health']);
    const worker = processServiceSpec({ spec: spec(), process: spec().processes[1]!, secret }, opts);
    expect(worker.TaskTemplate.ContainerSpec.Healthcheck).toEqual({ Test: ['NONE'] });
    expect(Object.keys(worker.Labels).filter((k) => k.startsWith('traefik.'))).toEqual([]);
  });

  it('the spec digest changes with what runs, not with replicas or restarts', () => {
    const a = processServiceSpec({ spec: spec(), process: spec().processes[0]!, secret }, opts);
    const b = processServiceSpec({ spec: spec(), process: spec().processes[0]!, secret, replicas: 5, forceUpdate: 3 }, opts);
    const c = processServiceSpec({ spec: spec(), process: spec().processes[0]!, secret: { id: 'other', name: 'slw-shop-env-def' } }, opts);
    expect(a.Labels[LABEL_SPEC]).toBe(b.Labels[LABEL_SPEC]);
    expect(a.Labels[LABEL_SPEC]).not.toBe(c.Labels[LABEL_SPEC]);
    expect(a.TaskTemplate.ContainerSpec.Labels[LABEL_SPEC]).toBe(a.Labels[LABEL_SPEC]);
  });

  it('an image app keeps its image\'s user but gets only the capabilities to drop to its own', () => {
    const img = spec({ artifact: { kind: 'image', image: 'postgres:16' } });
    const c = processServiceSpec({ spec: img, process: img.processes[0]!, secret: null }, opts).TaskTemplate.ContainerSpec;
    expect(c.User).toBeUndefined();
    expect(c).toMatchObject({ CapabilityDrop: ['ALL'], Privileges: { NoNewPrivileges: true } });
    expect(c.CapabilityAdd).toEqual(expect.arrayContaining(['CAP_SETUID', 'CAP_SETGID', 'CAP_CHOWN']));
    expect(c.CapabilityAdd).not.toContain('CAP_NET_RAW');
    expect(c.CapabilityAdd).not.toContain('CAP_SYS_ADMIN');
  });

  it('a hostname with rule syntax never reaches a label', () => {
    const bad = spec({ routing: { hostnames: ['a.com`) || Host(`b.com'], maintenance: false } });
    expect(() => processServiceSpec({ spec: bad, process: bad.processes[0]!, secret }, opts)).toThrow(ValidationError);
  });
});

describe('env secret', () => {
  it('holds NUL-terminated KEY=value entries (any value), the slug URL and checksum, never PORT', () => {
    const content = envFileContent({ B: 'two\nlines "q" $HOME', A: '', PORT: '1' }, { url: 'http://x/s?sig=1', sha256: 'ab' });
    expect(content.toString('utf8').split('\0')).toEqual(['A=', 'B=two\nlines "q" $HOME', 'SLUG_URL=http://x/s?sig=1', 'SLUG_SHA256=ab', '']);
    expect(() => envFileContent({ 'bad-key': 'x' }, null)).toThrow(ValidationError);
  });

  it('is named per app and content', () => {
    const app = spec().app;
    const n1 = envSecretName(app, Buffer.from('A=1\0'));
    expect(n1).toMatch(/^slw-shop-env-[0-9a-f]{12}$/);
    expect(envSecretName(app, Buffer.from('A=2\0'))).not.toBe(n1);
    expect(envSecretName({ ...app, id: 'other' }, Buffer.from('A=1\0'))).not.toBe(n1);
  });
});
