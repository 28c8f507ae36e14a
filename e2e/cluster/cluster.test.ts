// The cluster, end to end on one machine (scripts/test cluster): a swarm manager with its own
// dockerd and two node machines (network + mount + UTS namespaces, Debian's sshd, Docker installed
// but not running), the platform on the swarm runtime against that manager. Nodes are added through
// the API and provisioned over real SSH; apps are pushed with git, pulled by the nodes from the
// private registry and served by the nginx edge on the swarm; the tests then drain, remove and kill
// nodes under a running app (over HTTP, and HTTPS with the operator's certificate). One set of machines serves every test, in order. node2 is added and
// drained by the operator in the admin console's Nodes page (Debian's chromium via playwright-core),
// watching its provisioning log stream live until it is ready.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { orgNetworkName } from '@slipway/core/naming';
import { PlatformCa, platformCaFiles } from '@slipway/core/adapters/tls/platform-ca';
import type { Stack } from '../support/stack.js';
import { ApiClient } from '../support/client.js';
import { WorkingCopy } from '../support/git.js';
import { eventually, report } from '../support/wait.js';
import { probe } from '../swarm/support/swarm-fixture.js';
import { launchBrowser, openPage, screenshot, signIn, type Watched } from '../browser/support/browser.js';
import {
  authorize, cluster, dockerdPid, inMachineNet, nodeDocker, edgeGet, hostKeyFingerprint, nodeLog, probeEdge, sshdLog, startClusterStack, taskNodes, waitNode,
  type Cluster, type Machine, type NodeJson,
} from './support/cluster-fixture.js';

let c: Cluster;
let stack: Stack;
let admin: ApiClient;
let dev: ApiClient;
let node1: NodeJson;
let node2: NodeJson;
let app: { id: string; name: string; organization: { id: string } };
let browser: Browser;
let op: Watched;
let page: Page;
const APP = 'cluster-web';
const host = `${APP}.localhost`;
const web = `slw-${APP}-web`;

beforeAll(async () => {
  c = cluster();
  stack = await startClusterStack(c);
  admin = stack.admin;
  dev = await ApiClient.signUp(stack.apiUrl, 'cluster-dev@example.com');
  browser = await launchBrowser();
  op = await openPage(browser, { width: 1280, height: 800 });
  page = op.page;
  await signIn(page, stack.apiUrl, 'admin@example.com', 'stack admin password');
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

const [m1, m2] = [() => c.nodes[0]!, () => c.nodes[1]!];

describe('nodes', () => {
  it('refuses bad host, port and user input with 400 before anything connects', async () => {
    const key = await c.privateKey();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ host: '1.2.3.4;id', private_key: key }, /host/],
      [{ host: '$(reboot)', private_key: key }, /host/],
      [{ host: m1().ip, port: '22 -oProxyCommand=x', private_key: key }, /port/],
      [{ host: m1().ip, port: 70000, private_key: key }, /port/],
      [{ host: m1().ip, user: '-oProxyCommand=x', private_key: key }, /user/],
      [{ host: m1().ip, user: 'root;id', private_key: key }, /user/],
      [{ host: m1().ip, private_key: 'not a key' }, /private_key/],
    ];
    const before = (await sshdLog(m1())).length;
    for (const [body, rule] of cases) {
      const r = await admin.post('/api/v1/admin/nodes', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.message).toMatch(rule);
    }
    expect((await admin.get('/api/v1/admin/nodes')).body).toEqual([]);
    expect((await sshdLog(m1())).length).toBe(before); // nothing reached the node
    expect((await dev.get('/api/v1/admin/nodes')).status).toBe(403);
  });

  it('refuses a node whose host key differs from the pinned one before authenticating, and marks it untrusted', async () => {
    const wrong = await hostKeyFingerprint(m1()); // node1's key, pinned for node2's address
    const r = await admin.post('/api/v1/admin/nodes', { name: 'impostor', host: m2().ip, private_key: await c.privateKey(), host_key_fingerprint: wrong });
    expect(r.status).toBe(201);
    const n = await waitNode(admin, r.body.id, 'untrusted', 60_000);
    expect(n.seen_host_key).toBe(await hostKeyFingerprint(m2()));
    expect(n.status_detail).toContain('refused before authentication');
    await eventually(async () => expect(await sshdLog(m2())).toMatch(/Disconnected from .*\[preauth\]/), 10_000);
    expect(await sshdLog(m2())).not.toMatch(/publickey|Accepted/); // no key was offered
    const notes = (await admin.get('/api/v1/admin/notifications')).body as { kind: string }[];
    expect(notes.map((x) => x.kind)).toContain('node.untrusted');
    expect((await admin.delete(`/api/v1/admin/nodes/${n.id}`)).status).toBe(202);
    await eventually(async () => expect((await admin.get(`/api/v1/admin/nodes/${n.id}`)).status).toBe(404), 60_000);
  });

  it('adds two nodes through the API: both end ready, with their provisioning logs', async () => {
    const t0 = Date.now();
    // node1: a key pair Slipway generates; its host key is confirmed on first contact; it serves the edge
    const a = await admin.post('/api/v1/admin/nodes', { name: 'node1', host: m1().ip, user: 'root', generate_key: true, roles: ['edge'] });
    expect(a.status, a.text).toBe(201);
    expect(a.body.status).toBe('pending');
    expect(a.body.public_key).toMatch(/^ssh-ed25519 \S+ slipway-node-node1$/);
    expect(a.text).not.toMatch(/PRIVATE KEY/);
    expect((await admin.post(`/api/v1/admin/nodes/${a.body.id}/provision`)).status).toBe(202);
    // node2, from the Nodes page: the admin's own key and the host key pinned up front
    await page.goto(`${stack.apiUrl}/admin/nodes`);
    const form = page.getByRole('form', { name: 'Add a node' });
    await form.getByLabel('Host', { exact: true }).fill(m2().ip);
    await form.getByLabel('Node name').fill('node2');
    await form.getByLabel('Host key fingerprint').fill(await hostKeyFingerprint(m2()));
    await form.getByText('Use a private key I paste').click();
    await form.getByRole('textbox', { name: 'Private key' }).fill(await c.privateKey());
    await form.getByRole('button', { name: 'Add node' }).click();
    await page.locator('#node-title', { hasText: 'node2' }).waitFor();
    const b = { body: { id: page.url().split('/').pop()! } };
    const seen = await waitNode(admin, a.body.id, 'awaiting_host_key', 60_000);
    expect(seen.seen_host_key).toBe(await hostKeyFingerprint(m1()));
    expect((await admin.post(`/api/v1/admin/nodes/${a.body.id}/host-key`, { host_key_fingerprint: 'SHA256:' + 'A'.repeat(43) })).status).toBe(400);
    expect((await admin.post(`/api/v1/admin/nodes/${a.body.id}/host-key`, { host_key_fingerprint: seen.seen_host_key })).status).toBe(202);
    // the public key is not in node1's authorized_keys yet: provisioning fails, saying so; a retry resumes
    const failed = await waitNode(admin, a.body.id, 'failed', 60_000);
    expect(failed.status_detail).toMatch(/^connect: .*authorized_keys/);
    await authorize(m1(), a.body.public_key);
    expect((await admin.post(`/api/v1/admin/nodes/${a.body.id}/provision`)).status).toBe(202);
    // node2's page streams its provisioning log live and ends at ready
    const box = page.getByTestId('node-log');
    await page.getByText('● live').waitFor({ timeout: 60_000 });
    await box.getByText('-----> Joining the swarm').waitFor({ timeout: 240_000 });
    await page.locator('.app-head [data-node-status=ready]').waitFor({ timeout: 240_000 });
    await page.getByText('not running').waitFor();
    expect(await box.textContent()).toContain('Ready');
    expect(await box.textContent()).toContain('$ uname -sm'); // commands shown once prefixed, as typed
    expect(await box.textContent()).not.toContain('$ $');
    await screenshot(page, 'cluster-node-ready');
    [node1, node2] = await Promise.all([waitNode(admin, a.body.id, 'ready'), waitNode(admin, b.body.id, 'ready')]);
    report('cluster: two nodes provisioned (ready) in', `${((Date.now() - t0) / 1000).toFixed(1)} s`);
    for (const n of [node1, node2]) {
      expect(n.steps.every((s) => s.done)).toBe(true);
      const log = await nodeLog(admin, n.id);
      expect(log).toContain('Docker is installed: nothing to install');
      expect(log).toContain('starting Docker with plain dockerd');
      expect(log).toMatch(/docker swarm join --token <worker token>/);
      expect(log).not.toMatch(/SWMTKN/); // the join token is never kept
      expect(log).toContain('Ready');
    }
    // the log as the admin console streams it (SSE); it ends since the node rests
    const sse = await (await fetch(`${stack.apiUrl}/api/v1/admin/nodes/${node2.id}/log/stream`, { headers: { authorization: `Bearer ${admin.token}` } })).text();
    expect(sse).toContain('event: status\ndata: {"status":"ready"');
    expect(sse).toMatch(/event: line\ndata: .*Joining the swarm/);
    const swarm = (await admin.get('/api/v1/admin/nodes/swarm')).body as { id: string; state: string; labels: Record<string, string> }[];
    expect(swarm).toHaveLength(3);
    expect(swarm.find((s) => s.id === node1.swarm_node_id)).toMatchObject({ state: 'ready', labels: { 'slipway.node': node1.id, 'slipway.edge': 'true' } });
    expect(swarm.find((s) => s.id === node2.swarm_node_id)?.labels).toEqual({ 'slipway.node': node2.id });
  });
});

describe('apps on the cluster', () => {
  it('runs 3 web replicas on at least two nodes, pulled from the registry, answering through the swarm edge', async () => {
    app = (await dev.post('/apps', { name: APP, plan: 'standard' })).body;
    const wc = await WorkingCopy.create({ fixture: 'procfile-app' });
    const push = await wc.push(`${stack.apiUrl}/${APP}.git`, dev.token!);
    expect(push.code, push.output).toBe(0);
    expect((await dev.patch(`/apps/${APP}/formation`, { updates: [{ type: 'web', quantity: 3 }] })).status).toBe(200);
    await eventually(async () => expect((await dev.get(`/apps/${APP}/dynos`)).body.filter((x: { state: string }) => x.state === 'up')).toHaveLength(3), 180_000, 1000);
    const svc = await c.docker.getService(web).inspect();
    expect(svc.Spec.TaskTemplate.ContainerSpec.Image).toMatch(new RegExp(`^${c.managerIp.replace(/\./g, '\\.')}:\\d+/slipway/stack:`));
    const where = await taskNodes(c.docker, web);
    expect(where.size).toBeGreaterThanOrEqual(2);
    // each node trusts the registry through the platform CA in its certs.d, never as insecure
    const image = svc.Spec.TaskTemplate.ContainerSpec.Image as string;
    const registry = image.split('/')[0]!;
    for (const m of [m1(), m2()]) {
      const certs = path.join(m.dir, 'etc-docker', 'certs.d', registry);
      expect(await readFile(path.join(certs, 'ca.crt'), 'utf8')).toContain('BEGIN CERTIFICATE');
      expect(await readFile(path.join(certs, 'client.cert'), 'utf8')).toContain('BEGIN CERTIFICATE');
      const info = await nodeDocker(m).info();
      expect(info.RegistryConfig.InsecureRegistryCIDRs).toEqual(['127.0.0.0/8']); // Docker's default only
      expect(info.RegistryConfig.IndexConfigs[registry]).toBeUndefined(); // no per-registry insecure entry
    }
    // the nodes that run a task pulled its image from the registry
    const machines: [Machine, NodeJson][] = [[m1(), node1], [m2(), node2]];
    const pulled = machines.filter(([, n]) => where.has(n.swarm_node_id!));
    expect(pulled.length).toBeGreaterThan(0);
    for (const [m] of pulled) {
      const digests = (await nodeDocker(m).listImages()).flatMap((i) => i.RepoDigests ?? []);
      expect(digests.some((d) => d.startsWith(`${registry}/slipway/stack@`)), digests.join(' ')).toBe(true);
    }
    // a container on a node meets the egress guard provisioning put there: the manager's swarm port
    // (a private address beyond the node) is refused; the api, where tasks fetch slugs, answers
    const api = `http://${c.hostIp}:${new URL(stack.apiUrl).port}/healthz`;
    const fenced = await probe(nodeDocker(m2()), 'bridge', `curl -sS --connect-timeout 3 -o /dev/null http://${c.managerIp}:2377/; echo "swarm port: exit $?"; curl -sS --max-time 5 -o /dev/null -w 'api: %{http_code}\n' ${api}`, 30_000, image);
    expect(fenced.output).toMatch(/Failed to connect to .* port 2377.*\nswarm port: exit 7\n/);
    expect(fenced.output).toContain('api: 200');
    // a reboot empties DOCKER-USER (Docker recreates only its own rules): the heartbeat puts it back
    await inMachineNet(m2(), ['iptables', '-w', '-F', 'DOCKER-USER']);
    expect(await inMachineNet(m2(), ['iptables', '-w', '-S', 'DOCKER-USER'])).not.toMatch(/169\.254/);
    await eventually(async () => expect(await inMachineNet(m2(), ['iptables', '-w', '-S', 'DOCKER-USER'])).toMatch(/-d 169\.254\.0\.0\/16 -o eth0 -j REJECT/), 60_000, 1000);
    expect(JSON.stringify((await admin.get('/api/v1/admin/activity?type=node')).body)).toContain('node.fenced');
    // from this host, through the edge on node1 and on the manager
    for (const ip of [m1().ip, c.managerIp]) {
      await eventually(async () => {
        const r = await edgeGet(ip, stack.edgePort, host);
        expect(r.status).toBe(200);
        expect(r.body.trim()).toBe('procfile app');
      }, 120_000, 500);
    }
    expect((await edgeGet(m1().ip, stack.edgePort, 'nobody.localhost')).status).toBe(404);
    // HTTPS through the edge on node1 with the operator's certificate for the platform's names
    // (uploaded in the settings, from a throwaway CA this client trusts alone)
    const ca = await PlatformCa.loadOrCreate(platformCaFiles(path.join(stack.dataDir, 'operator-ca')), 'Operator CA');
    const cert = await ca.issueServerCert([host], 30);
    expect((await admin.patch('/api/v1/admin/settings', { platform_wildcard_pem: `${cert.certPem}\n${cert.keyPem}` })).status).toBe(200);
    const tlsPort = Number(stack.env.SLIPWAY_EDGE_TLS_PORT);
    await eventually(async () => {
      const r = await edgeGet(m1().ip, tlsPort, host, '/', 10_000, { ca: ca.certPem });
      expect(r.status).toBe(200);
      expect(r.body.trim()).toBe('procfile app');
    }, 120_000, 1000);
  });

  it('keeps apps of two organizations on different nodes apart; a plan pins its apps to a node', async () => {
    const plan = await admin.post('/api/v1/admin/plans', {
      name: 'pinned', cpu: 0.5, ram_mb: 256, disk_gb: 1, price_per_hour: 0, max_replicas: 2, placement_constraints: [`node.labels.slipway.node==${node1.id}`],
    });
    expect(plan.status, plan.text).toBe(201);
    expect((await admin.post('/api/v1/admin/plans', { name: 'bad-pin', cpu: 1, ram_mb: 256, disk_gb: 1, price_per_hour: 0, max_replicas: 1, placement_constraints: ['node.id==x; rm -rf /'] })).status).toBe(400);
    const other = await ApiClient.signUp(stack.apiUrl, 'cluster-other@example.com');
    const b = (await other.post('/apps', { name: 'cluster-other', plan: 'pinned' })).body;
    const wc = await WorkingCopy.create({ fixture: 'procfile-app' });
    expect((await wc.push(`${stack.apiUrl}/cluster-other.git`, other.token!)).code).toBe(0);
    expect([...(await taskNodes(c.docker, 'slw-cluster-other-web')).keys()]).toEqual([node1.swarm_node_id]);
    const tasks = (await c.docker.listTasks({ filters: JSON.stringify({ service: [web], 'desired-state': ['running'] }) })) as {
      NodeID: string; Status: { State: string }; NetworksAttachments?: { Network?: { Spec?: { Name?: string } }; Addresses?: string[] }[];
    }[];
    const far = tasks.find((t) => t.Status.State === 'running' && t.NodeID === node2.swarm_node_id)!;
    expect(far).toBeDefined();
    const ipA = far.NetworksAttachments!.find((n) => n.Network?.Spec?.Name === orgNetworkName(app.organization.id))!.Addresses![0]!.split('/')[0]!;
    const fromA = await probe(c.docker, orgNetworkName(app.organization.id), `curl -s --max-time 5 http://${ipA}:5000/`);
    expect(fromA.output.trim()).toBe('procfile app'); // overlay traffic from the manager to node2 works
    const fromB = await probe(c.docker, orgNetworkName(b.organization.id),
      `curl -s --max-time 5 http://slw-cluster-other-web:5000/ && echo; curl -sS --connect-timeout 3 --max-time 4 http://${ipA}:5000/ && echo REACHED-IP; curl -sS --max-time 4 http://${web}:5000/ && echo REACHED-NAME; true`);
    expect(fromB.output).toContain('procfile app'); // B on node1 answers B
    expect(fromB.output).not.toContain('REACHED');

    // node1 holds the only replica of B: removing it is refused, nothing changes
    const r = await admin.delete(`/api/v1/admin/nodes/${node1.id}`);
    expect(r.status).toBe(409);
    expect(r.body.error.message).toContain('slw-cluster-other-web');
    expect((await admin.get(`/api/v1/admin/nodes/${node1.id}`)).body.status).toBe('ready');
    expect((await other.delete('/apps/cluster-other')).status).toBe(200);
    // B's organization network goes, and the edge leaves it: its tasks are replaced one node at a time
    await eventually(async () => expect((await c.docker.listNetworks({ filters: JSON.stringify({ name: [orgNetworkName(b.organization.id)] }) })).length).toBe(0), 120_000, 1000);
    await eventually(async () => expect((await edgeGet(m1().ip, stack.edgePort, host)).status).toBe(200), 60_000, 500);
  });

  it('drains a node while requests through the edge keep succeeding, then removes it', async () => {
    await eventually(async () => expect((await taskNodes(c.docker, web)).get(node2.swarm_node_id!)).toBeGreaterThan(0), 60_000, 1000);
    const p = probeEdge(m1().ip, stack.edgePort, host, (b) => b.trim() === 'procfile app');
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = Date.now();
    // the operator drains node2 from its page, told first what will happen
    await page.goto(`${stack.apiUrl}/admin/nodes/${node2.id}`);
    await page.getByRole('button', { name: 'Drain…' }).click();
    await page.getByRole('dialog').getByText('The swarm moves every app task on this node to the other nodes').waitFor();
    await page.getByRole('dialog').getByRole('button', { name: 'Drain node' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    // meanwhile a new app of the same organization: a route change, which the edges reload
    // (gracefully) under the probe
    expect((await dev.post('/apps', { name: 'cluster-second', plan: 'hobby' })).status).toBe(201);
    const second = (await WorkingCopy.create({ fixture: 'procfile-app' })).push(`${stack.apiUrl}/cluster-second.git`, dev.token!);
    await waitNode(admin, node2.id, 'drained', 300_000);
    report('cluster: reschedule after drain', `${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await page.locator('.app-head [data-node-status=drained]').waitFor({ timeout: 30_000 }); // the open page follows
    await screenshot(page, 'cluster-node-drained');
    expect(op.errors).toEqual([]);
    expect((await second).code).toBe(0);
    await eventually(async () => expect((await edgeGet(m1().ip, stack.edgePort, 'cluster-second.localhost')).body.trim()).toBe('procfile app'), 60_000, 500);
    await new Promise((r) => setTimeout(r, 1000));
    const { ok, failures } = await p.stop();
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(5);
    const where = await taskNodes(c.docker, web);
    expect(where.get(node2.swarm_node_id!)).toBeUndefined();
    expect([...where.values()].reduce((a, b) => a + b, 0)).toBe(3);

    expect((await admin.delete(`/api/v1/admin/nodes/${node2.id}`)).status).toBe(202);
    await eventually(async () => expect((await admin.get(`/api/v1/admin/nodes/${node2.id}`)).status).toBe(404), 120_000, 1000);
    const swarm = (await admin.get('/api/v1/admin/nodes/swarm')).body as { id: string }[];
    expect(swarm.map((s) => s.id)).not.toContain(node2.swarm_node_id);
    expect((await edgeGet(m1().ip, stack.edgePort, host)).body.trim()).toBe('procfile app');
  });

  it('marks a node whose dockerd stopped down within 60 s; its tasks run elsewhere and the app keeps answering', async () => {
    // with the default heartbeat (30 s): the swarm's node event starts the first missed beat
    expect((await admin.patch('/api/v1/admin/settings', { node_heartbeat_seconds: 30 })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 6_000)); // one 5 s beat re-schedules the heartbeat
    await eventually(async () => expect((await taskNodes(c.docker, web)).get(node1.swarm_node_id!)).toBeGreaterThan(0), 60_000, 1000);
    const t0 = Date.now();
    process.kill(await dockerdPid(m1()), 'SIGTERM');
    await waitNode(admin, node1.id, 'down', 60_000);
    report('cluster: node down detected after dockerd stopped', `${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const notes = (await admin.get('/api/v1/admin/notifications')).body as { kind: string; message: string }[];
    expect(notes.find((n) => n.kind === 'node.down')?.message).toContain('node1');
    await eventually(async () => {
      const where = await taskNodes(c.docker, web);
      expect(where.get(node1.swarm_node_id!)).toBeUndefined();
      expect([...where.values()].reduce((a, b) => a + b, 0)).toBe(3);
    }, 120_000, 1000);
    const r = await edgeGet(c.managerIp, stack.edgePort, host);
    expect(r.status).toBe(200);
    expect(r.body.trim()).toBe('procfile app');
    const metrics = (await admin.get(`/api/v1/admin/nodes/${node1.id}/metrics?hours=1`)).body as { points: { mem_total_mb: number }[] };
    expect(metrics.points.length).toBeGreaterThan(0);
    expect(metrics.points[0]!.mem_total_mb).toBeGreaterThan(0);
  });
});
