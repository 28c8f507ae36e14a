// git push on the Docker Swarm runtime, end to end: real dockerd + one-node swarm (started by
// ./scripts/test swarm), the build inside a throwaway slipway/builder container, the slug in an
// S3-protocol server (s3rver), the app as the service slw-<app>-web, reached from inside its
// organization's overlay network (no Traefik binary exists here; DESIGN.md §8).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Docker from 'dockerode';
import { orgNetworkName } from '@slipway/core/naming';
import { startStack, type Stack } from '../support/stack.js';
import { ApiClient } from '../support/client.js';
import { WorkingCopy } from '../support/git.js';
import { docker, gatewayAddress, labelled, probe, startSlugServer, swarmStackEnv, until, type SlugServer } from './support/swarm-fixture.js';

let d: Docker;
let s3: SlugServer;
let stack: Stack;
let dev: ApiClient;
let app: { id: string; name: string; organization: { id: string } };
let wc: WorkingCopy;

const body = async () => {
  const r = await probe(d, orgNetworkName(app.organization.id), `curl -s --max-time 5 http://slw-${app.name}-web:5000/`);
  return r.output.trim();
};

/** The text of a log session (its URL names the api as the app sees it: read it through ours). */
const logSession = async (source: 'app' | 'platform', lines: number) => {
  const s = (await dev.post('/apps/swarm-node/log-sessions', { lines, source })).body;
  return (await fetch(s.logplex_url.replace(/^http:\/\/[^/]+/, stack.apiUrl))).text();
};
const releases = async (): Promise<{ version: number; status: string; current: boolean }[]> => (await dev.get('/apps/swarm-node/releases')).body;

beforeAll(async () => {
  d = docker();
  s3 = await startSlugServer(d);
  const gateway = await gatewayAddress(d);
  // the reconcile job every 2 s: it runs alongside every deploy below and must never undo one
  stack = await startStack((ports) => ({ ...swarmStackEnv(s3, gateway)(ports), SLIPWAY_RECONCILE_INTERVAL_SECONDS: '2' }));
  dev = await ApiClient.signUp(stack.apiUrl, 'swarm-dev@example.com');
  app = (await dev.post('/apps', { name: 'swarm-node', plan: 'standard' })).body;
  wc = await WorkingCopy.create({ fixture: 'node-app' });
}, 600_000);

afterAll(async () => {
  await stack?.stop();
  await s3?.close();
});

describe('git push on the swarm runtime', () => {
  it('builds in a container, stores the slug in S3 and runs slw-<app>-web', async () => {
    const push = await wc.push(`${stack.apiUrl}/swarm-node.git`, dev.token!);
    for (const stage of ['Fetching', 'Detecting', 'Compiling', 'Releasing', 'Launching']) expect(push.output).toMatch(new RegExp(`remote: -----> ${stage}`));
    expect(push.code, push.output).toBe(0);

    const builds = await d.listContainers({ all: true, filters: JSON.stringify({ label: ['slipway.kind=build'] }) });
    expect(builds).toEqual([]); // the builder container is gone
    const slugs: string[] = [];
    for await (const o of s3.store.list(`slugs/${app.id}/`)) slugs.push(o.key);
    expect(slugs).toHaveLength(1);

    const svc = await d.getService(`slw-swarm-node-web`).inspect();
    expect(svc.Spec.Labels['slipway.managed']).toBe('true');
    expect(svc.Spec.Labels['slipway.app']).toBe(app.id);
    expect(svc.Spec.EndpointSpec.Mode).toBe('dnsrr');
    expect(await body()).toBe('hello from v1 (deps ok)');
    const dynos = (await dev.get('/apps/swarm-node/dynos')).body;
    expect(dynos.map((x: any) => [x.name, x.state])).toEqual([['web.1', 'up']]);
  });

  it('scales to 3 tasks and back to 1', async () => {
    await dev.patch('/apps/swarm-node/formation', { updates: [{ type: 'web', quantity: 3 }] });
    await until('3 running tasks', async () => (await dev.get('/apps/swarm-node/dynos')).body.filter((x: any) => x.state === 'up').length === 3, 120_000, 1000);
    await dev.patch('/apps/swarm-node/formation', { updates: [{ type: 'web', quantity: 1 }] });
    await until('1 task', async () => (await dev.get('/apps/swarm-node/dynos')).body.length === 1, 120_000, 1000);
  });

  it('redeploys on a config change and rolls back without a rebuild', async () => {
    await dev.patch('/apps/swarm-node/config-vars', { APP_VERSION_OVERRIDE: 'configured' });
    await until('the config change to be live', async () => (await body()).startsWith('hello from configured'), 180_000, 1000);
    const buildsBefore = (await dev.get('/apps/swarm-node/builds')).body.length;
    expect((await dev.post('/apps/swarm-node/releases', { release: '1' })).status).toBe(201);
    await until('v1 to be back', async () => (await body()) === 'hello from v1 (deps ok)', 180_000, 1000);
    // the rollback's start-first update answers before it completes; wait for the release itself
    await until('the rollback to be deployed', async () => {
      const r = (await releases()).find((x) => x.version === 3);
      if (r?.status === 'failed') throw new Error(`the rollback release failed: ${await logSession('platform', 20)}`);
      return r?.status === 'succeeded' && r.current;
    }, 60_000, 500);
    expect((await dev.get('/apps/swarm-node/builds')).body.length).toBe(buildsBefore);
  });

  it('brings back a service deleted by hand (the reconcile job)', async () => {
    await d.getService('slw-swarm-node-web').remove();
    await until('the service to come back', async () => (await d.listServices({ filters: JSON.stringify({ name: ['slw-swarm-node-web'] }) })).length === 1, 60_000, 500);
    let last = '';
    await until('the app to answer again', async () => (last = await body()) === 'hello from v1 (deps ok)', 60_000, 1000).catch(async (e: Error) => {
      const rel = (await releases()).map((r) => `v${r.version} ${r.status}${r.current ? ' (current)' : ''}`);
      throw new Error(`${e.message}; last answer: ${JSON.stringify(last)}; releases: ${rel.join(', ')}`);
    });
  });

  it('shows the app in a log session from the Docker service logs', async () => {
    expect(await logSession('app', 100)).toMatch(/listening on 5000/);
  });

  it('leaves nothing labelled with the app after it is deleted', async () => {
    expect((await dev.delete('/apps/swarm-node')).status).toBe(200);
    await until('nothing left', async () => {
      const left = await labelled(d, { 'slipway.app': app.id });
      return [...left.services, ...left.networks, ...left.secrets, ...left.configs, ...left.containers].length === 0 ? true : undefined;
    }, 120_000, 1000);
  });
});
