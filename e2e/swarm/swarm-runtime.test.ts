// SwarmRuntime against a real dockerd + one-node swarm (scripts/test swarm), slugs in s3rver.
// Apps are reached only from inside their overlay network (probe containers): no Traefik here.
import { randomUUID } from 'node:crypto';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SwarmRuntime } from '@slipway/core/adapters/runtime/swarm/swarm.runtime';
import { DockerEgressGuard } from '@slipway/core/adapters/docker/docker-egress-guard';
import { MAINTENANCE_SERVICE, EDGE_NETWORK } from '@slipway/core/adapters/edge/traefik/traefik.labels';
import { labelsToDynamicConfig } from '@slipway/core/adapters/edge/traefik/traefik.dynamic-config';
import { orgNetworkName, serviceName, LABEL_APP, LABEL_ORG, LABEL_RELEASE } from '@slipway/core/naming';
import type { AppRef, ReleaseSpec } from '@slipway/core/ports/runtime.port';
import { docker, env, labelled, logger, makeSlug, probe, startProbe, startSlugServer, until, webApp, type SlugServer } from './support/swarm-fixture.js';

let d: Docker;
let slugs: SlugServer;
let rt: SwarmRuntime;
const orgA = randomUUID();
const orgB = randomUUID();
const suffix = Math.random().toString(36).slice(2, 6);
const appA: AppRef = { id: randomUUID(), name: `swa-${suffix}`, orgId: orgA };
const appB: AppRef = { id: randomUUID(), name: `swb-${suffix}`, orgId: orgB };
const appC: AppRef = { id: randomUUID(), name: `swc-${suffix}`, orgId: orgA };
const netA = orgNetworkName(orgA);
const netB = orgNetworkName(orgB);
const webA = serviceName(appA.name, 'web');
const lines: string[] = [];
const progress = (l: string) => lines.push(l);

async function spec(app: AppRef, version: number, files: Record<string, string>, over: Partial<ReleaseSpec> = {}): Promise<ReleaseSpec> {
  return {
    app,
    release: { id: randomUUID(), version },
    artifact: await makeSlug(slugs.store, app.id, files),
    env: { GREETING: `hi-${version}`, SECRET_TOKEN: 'do-not-show-me' },
    processes: [
      { type: 'web', command: 'node server.js', quantity: 1 },
      { type: 'worker', command: 'node worker.js', quantity: 0 },
    ],
    plan: { cpu: 0.5, memoryMb: 256, maxReplicas: 5 },
    healthCheckPath: '/health',
    routing: { hostnames: [`${app.name}.apps.example.net`], maintenance: false },
    ...over,
  };
}

const get = (host: string, port = 5000) => `curl -fsS --max-time 3 http://${host}:${port}/`;

beforeAll(async () => {
  d = docker();
  // the engine's network guard, as the worker puts it in place when it starts (this file drives
  // SwarmRuntime without a worker)
  await new DockerEgressGuard({ docker: d, image: env('SLIPWAY_STACK_IMAGE'), platformPorts: [] }).apply();
  slugs = await startSlugServer(d);
  rt = new SwarmRuntime({
    docker: d,
    stackImage: env('SLIPWAY_STACK_IMAGE'),
    slugUrl: (s) => slugs.store.fetchUrl((s.artifact as { objectKey: string }).objectKey, 3600),
    attachableNetworks: true,
    certResolver: 'letsencrypt',
    logger,
    timings: {
      healthIntervalMs: 1000, healthTimeoutMs: 2000, healthRetries: 2, healthStartPeriodMs: 4000,
      monitorMs: 3000, restartDelayMs: 500, restartMaxAttempts: 5, restartWindowMs: 60_000, stopGraceMs: 10_000, drainSeconds: 1,
    },
    convergeTimeoutMs: 120_000,
    pollMs: 300,
  });
});

afterAll(async () => {
  for (const app of [appA, appB, appC]) await rt?.remove(app).catch(() => undefined);
  const svc = await d?.getService(MAINTENANCE_SERVICE).inspect().catch(() => null);
  if (svc) await d.getService(MAINTENANCE_SERVICE).remove();
  await slugs?.close();
});

describe('SwarmRuntime', () => {
  let v2: ReleaseSpec;

  it('deploys a hand-made slug: the service runs and answers from inside the org network', async () => {
    const v1 = await spec(appA, 1, webApp('v1'));
    const t0 = Date.now();
    expect(await rt.deploy(v1, progress)).toEqual({ ok: true });
    console.log(`first deploy: ${Date.now() - t0} ms`);
    const svc = (await d.getService(webA).inspect()) as { Spec: { Labels: Record<string, string>; TaskTemplate: { ContainerSpec: { Env: string[] } }; EndpointSpec: { Mode: string } } };
    expect(svc.Spec.Labels).toMatchObject({ 'slipway.managed': 'true', [LABEL_APP]: appA.id, [LABEL_ORG]: orgA, 'slipway.release': '1', 'traefik.enable': 'true' });
    expect(svc.Spec.EndpointSpec.Mode).toBe('dnsrr');
    expect(JSON.stringify(svc.Spec)).not.toContain('do-not-show-me');
    const config = labelsToDynamicConfig([{ name: webA, labels: svc.Spec.Labels }]);
    expect(Object.values(config.http.routers)[0]!.rule).toBe(`Host(\`${appA.name}.apps.example.net\`)`);
    const res = await probe(d, netA, get(webA));
    expect(res.output.trim()).toBe('v1 web.1 hi-1');
    const status = await rt.status(appA.id);
    expect(status).toEqual([expect.objectContaining({ name: 'web.1', type: 'web', state: 'up', releaseVersion: 1 })]);
  });

  it('scales to 3 running tasks and back to 1', async () => {
    const s = await spec(appA, 1, webApp('v1'));
    const current = await d.getService(webA).inspect();
    void current;
    await rt.scale({ ...s, processes: [{ type: 'web', command: 'node server.js', quantity: 3 }, { type: 'worker', command: 'node worker.js', quantity: 0 }] });
    let st = await rt.status(appA.id);
    expect(st.filter((x) => x.state === 'up').map((x) => x.name).sort()).toEqual(['web.1', 'web.2', 'web.3']);
    const seen = await probe(d, netA, `for i in $(seq 1 30); do ${get(webA)}; done`);
    expect(new Set(seen.output.trim().split('\n').map((l) => l.split(' ')[1])).size).toBe(3);
    await rt.scale({ ...s, processes: [{ type: 'web', command: 'node server.js', quantity: 1 }, { type: 'worker', command: 'node worker.js', quantity: 0 }] });
    st = await rt.status(appA.id);
    expect(st.filter((x) => x.state === 'up').map((x) => x.name)).toEqual(['web.1']);
  });

  it('deploys a second version start-first while a probe inside the network sees no failed request', async () => {
    v2 = await spec(appA, 2, webApp('v2'));
    const p = await startProbe(d, netA, `while true; do r=$(${get(webA)} 2>&1) && echo "ok $r" || echo "FAIL $r"; sleep 0.1; done`);
    await new Promise((r) => setTimeout(r, 1500));
    const result = await rt.deploy(v2, progress);
    await new Promise((r) => setTimeout(r, 2500));
    const out = (await p.stop()).trim().split('\n');
    expect(result).toEqual({ ok: true });
    expect(out.filter((l) => !l.startsWith('ok '))).toEqual([]);
    expect(out.some((l) => l.startsWith('ok v1'))).toBe(true);
    expect(out.at(-1)).toMatch(/^ok v2 web\.1 hi-2/);
    expect(lines.some((l) => l.includes('start-first'))).toBe(true);
  });

  it('a version whose health check fails is rolled back by Swarm; the old one keeps answering', async () => {
    const bad = await spec(appA, 3, webApp('v3', { healthy: false }));
    const result = await rt.deploy(bad, progress);
    expect(result.ok).toBe(false);
    expect(result.ok === false && result.reason).toMatch(/^web: web\.1 did not pass its health check[\s\S]*rolled the update back/);
    const res = await probe(d, netA, get(webA));
    expect(res.output.trim()).toBe('v2 web.1 hi-2');
    const svc = (await d.getService(webA).inspect()) as { Spec: { Labels: Record<string, string> } };
    expect(svc.Spec.Labels['slipway.release']).toBe('2');
  });

  it('a killed task is replaced by Swarm, which fetches the slug again and serves', async () => {
    const tasks = (await d.listTasks({ filters: JSON.stringify({ service: [webA], 'desired-state': ['running'] }) })) as { ID: string; Status: { ContainerStatus?: { ContainerID?: string } } }[];
    const containerId = tasks[0]!.Status.ContainerStatus!.ContainerID!;
    await d.getContainer(containerId).kill({ signal: 'SIGKILL' });
    const fresh = await until('a new running task', async () => {
      const t = (await d.listTasks({ filters: JSON.stringify({ service: [webA], 'desired-state': ['running'] }) })) as { ID: string; Status: { State: string; ContainerStatus?: { ContainerID?: string } } }[];
      return t.find((x) => x.Status.State === 'running' && x.Status.ContainerStatus?.ContainerID !== containerId);
    });
    const logs = (await d.getContainer(fresh.Status.ContainerStatus!.ContainerID!).logs({ stdout: true, stderr: true })) as unknown as Buffer;
    expect(logs.toString()).toContain('slipway: fetching slug');
    const res = await probe(d, netA, get(webA));
    expect(res.output.trim()).toBe('v2 web.1 hi-2');
    expect((await rt.status(appA.id))[0]).toMatchObject({ name: 'web.1', state: 'up', restarts: 1 });
  });

  it('runs a one-off (release phase) and reports its output and exit code', async () => {
    const out: string[] = [];
    const res = await rt.runOnce(v2, 'echo "migrating with $GREETING"; ls server.js; exit 3', (l) => out.push(l), 60_000);
    expect(res).toEqual({ exitCode: 3, timedOut: false });
    expect(out).toContain('migrating with hi-2');
    expect(out).toContain('server.js');
    const slow = await rt.runOnce(v2, 'sleep 60', () => undefined, 3000);
    expect(slow).toEqual({ exitCode: null, timedOut: true });
    expect((await labelled(d, { [LABEL_APP]: appA.id, 'slipway.kind': 'one-off' })).services).toEqual([]);
  });

  it('reads the processes\' output from the service logs', async () => {
    const got = [];
    for await (const l of rt.logs(appA.id, { lines: 50, follow: false, signal: AbortSignal.timeout(10_000) })) got.push(l);
    expect(got.some((l) => l.dyno === 'web.1' && l.line === 'v2 listening on 5000' && l.source === 'app')).toBe(true);
    expect(got.map((l) => l.ts)).toEqual([...got.map((l) => l.ts)].sort());
  });

  it('maintenance points the routers at the maintenance responder, which answers 503', async () => {
    await rt.setRouting(appA, { hostnames: [`${appA.name}.apps.example.net`, 'www.example-shop.com'], maintenance: true });
    const svc = (await d.getService(webA).inspect()) as { Spec: { Labels: Record<string, string> } };
    const routers = Object.entries(svc.Spec.Labels).filter(([k]) => k.endsWith('.service')).map(([, v]) => v);
    expect(routers).toEqual([MAINTENANCE_SERVICE, MAINTENANCE_SERVICE]);
    const res = await until('the maintenance responder', async () => {
      const r = await probe(d, EDGE_NETWORK, `curl -s -o /dev/null -w '%{http_code}' --max-time 3 http://${MAINTENANCE_SERVICE}:8080/`);
      return r.output === '503' && r;
    }, 60_000, 1000);
    expect(res.output).toBe('503');
    expect((await probe(d, netA, get(webA))).output.trim()).toBe('v2 web.1 hi-2');
    await rt.setRouting(appA, { hostnames: [`${appA.name}.apps.example.net`], maintenance: false });
    const after = (await d.getService(webA).inspect()) as { Spec: { Labels: Record<string, string> } };
    expect(Object.entries(after.Spec.Labels).filter(([k]) => k.endsWith('.service')).map(([, v]) => v)).toEqual([webA]);
  });

  it('apps of two organizations cannot reach each other', async () => {
    expect(await rt.deploy(await spec(appB, 1, webApp('b1')), progress)).toEqual({ ok: true });
    const webB = serviceName(appB.name, 'web');
    const tasks = (await d.listTasks({ filters: JSON.stringify({ service: [webA], 'desired-state': ['running'] }) })) as { NetworksAttachments?: { Network?: { Spec?: { Name?: string } }; Addresses?: string[] }[] }[];
    const ipA = tasks[0]!.NetworksAttachments!.find((n) => n.Network?.Spec?.Name === netA)!.Addresses![0]!.split('/')[0]!;
    expect((await probe(d, netA, get(ipA))).output.trim()).toBe('v2 web.1 hi-2');
    const fromB = await probe(d, netB, `${get(webB)}; curl -sS --connect-timeout 3 --max-time 4 http://${ipA}:5000/ && echo REACHED-IP; curl -sS --max-time 4 http://${webA}:5000/ && echo REACHED-NAME; true`);
    expect(fromB.output).toContain('b1 web.1');
    expect(fromB.output).not.toContain('REACHED');
  });

  it('reconcile brings back a service deleted by hand and removes an app that is gone', async () => {
    expect(await rt.deploy(await spec(appC, 1, webApp('c1')), progress)).toEqual({ ok: true });
    await d.getService(webA).remove();
    const desiredA = { ...v2, processes: [{ type: 'web', command: 'node server.js', quantity: 1 }] };
    const report = await rt.reconcile([desiredA, await spec(appB, 1, webApp('b1'))]);
    expect(report.created).toEqual([webA]);
    expect(report.removed).toEqual(expect.arrayContaining([serviceName(appC.name, 'web'), serviceName(appC.name, 'worker')]));
    expect(report.removed).toContain(serviceName(appA.name, 'worker'));
    expect(report.errors).toEqual([]);
    const res = await until('the recreated service to answer', async () => {
      const r = await probe(d, netA, get(webA));
      return r.exitCode === 0 && r;
    });
    expect(res.output.trim()).toBe('v2 web.1 hi-2');
    expect(await labelled(d, { [LABEL_APP]: appC.id })).toEqual({ services: [], networks: [], secrets: [], configs: [], containers: [] });
  });

  it('judges each app by its release read under the lock, so a stale list neither reverts nor removes', async () => {
    const b2 = await spec(appB, 2, webApp('b2'));
    expect(await rt.deploy(b2, progress)).toEqual({ ok: true }); // finished after the list below was read
    const staleList = [await spec(appB, 1, webApp('b1'))]; // B still at v1, A not deployed yet
    const desiredA = { ...v2, processes: [{ type: 'web', command: 'node server.js', quantity: 1 }] };
    const guarded: string[] = [];
    const report = await rt.reconcile(staleList, progress, {
      guard: (appId, fn) => (guarded.push(appId), fn()),
      current: async (appId) => (appId === appB.id ? b2 : appId === appA.id ? desiredA : null),
    });
    expect(report).toEqual({ created: [], updated: [], removed: [], errors: [] });
    expect(guarded.sort()).toEqual([appA.id, appB.id].sort());
    expect((await d.getService(serviceName(appB.name, 'web')).inspect()).Spec.Labels[LABEL_RELEASE]).toBe('2');
    expect((await d.getService(serviceName(appA.name, 'web')).inspect()).Spec.Labels[LABEL_APP]).toBe(appA.id);
  });

  it('remove leaves no service, network, secret, config or container labelled with the app', async () => {
    await rt.remove(appA);
    await rt.remove(appB);
    for (const app of [appA, appB]) {
      expect(await labelled(d, { [LABEL_APP]: app.id })).toEqual({ services: [], networks: [], secrets: [], configs: [], containers: [] });
      expect((await labelled(d, { [LABEL_ORG]: app.orgId })).networks).toEqual([]);
    }
    expect(lines.join('\n')).not.toContain('do-not-show-me');
  });
});
