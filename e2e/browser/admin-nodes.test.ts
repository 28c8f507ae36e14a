// Fake worker: this stack runs the local runtime (no swarm, no node machines), so the test plays the worker's part — it writes a node's state, figures and provisioning log into the database as the cluster's provisioner would (the cluster tier provisions real nodes over SSH).
// The Nodes page in a real browser (Debian's chromium via playwright-core) against the real api:
// the list with state, role and CPU/memory/disk gauges; the add form (on this runtime the api
// refuses with a clear message); a generated key to copy; the host-key confirmation, after which the
// node's provisioning log streams live into the open page until it is ready; drain, remove, retry
// with dialogs that say what will happen. Screenshots at 1280×800 (admin-nodes*.png).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startStack, type Stack } from '../support/stack.js';
import { eventually } from '../support/wait.js';
import { launchBrowser, openPage, screenshot, signIn, type Watched } from './support/browser.js';

const OPERATOR = 'admin@example.com';
const OPERATOR_PASSWORD = 'stack admin password';
const FINGERPRINT = 'SHA256:ghhidbHWATeAW3yhbkyuzcD5938HUIszNMqW5pSiCTg';
const STEPS = ['check', 'docker', 'start-docker', 'registry', 'guard', 'join', 'label', 'verify'];

let stack: Stack;
let browser: Browser;
let op: Watched;
let page: Page;
const ids = { ready: '', key: '', trust: '', failed: '' };

/** A node row as the api's add and the provisioner leave it. */
async function seedNode(name: string, host: string, fields: Record<string, unknown>): Promise<string> {
  const id = randomUUID();
  const cols = ['id', 'name', 'host', 'port', 'ssh_user', 'private_key', 'public_key', ...Object.keys(fields)];
  const values = [id, name, host, 22, 'root', Buffer.from('sealed elsewhere'), `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITestKeyOf${name.replace(/-/g, '')} slipway-node-${name}`, ...Object.values(fields)];
  await stack.db.pool.query(`INSERT INTO nodes (${cols.join(', ')}) VALUES (${cols.map((_, i) => `$${i + 1}`).join(', ')})`, values);
  return id;
}

const log = (id: string, step: string, stream: string, line: string) => stack.db.pool.query(`INSERT INTO node_log (node_id, step, stream, line) VALUES ($1, $2, $3, $4)`, [id, step, stream, line]);
const dialog = () => page.getByRole('dialog');

beforeAll(async () => {
  stack = await startStack();
  ids.ready = await seedNode('node-ready', '10.77.0.2', {
    status: 'ready',
    roles: ['edge'],
    steps_done: STEPS,
    host_key_fingerprint: FINGERPRINT,
    swarm_node_id: 'swarmnode0001',
    availability: 'active',
    last_heartbeat_at: new Date(),
    facts: JSON.stringify({ prettyName: 'Debian GNU/Linux 12 (bookworm)', arch: 'x86_64', cpus: 4, memoryMb: 8192, docker: '20.10.24' }),
    stats: JSON.stringify({ cpuPercent: 37, load1: 0.8, memUsedMb: 3072, memTotalMb: 8192, diskUsedMb: 92_000, diskTotalMb: 100_000, tasks: 3 }),
  });
  await stack.db.pool.query(
    `INSERT INTO node_metrics (node_id, ts, cpu_percent, load1, mem_used_mb, mem_total_mb, disk_used_mb, disk_total_mb, tasks)
     SELECT $1, now() - make_interval(mins => g * 30), 20 + (g % 7) * 5, 0.5, 2500 + g * 10, 8192, 90000, 100000, 3 FROM generate_series(0, 47) g`,
    [ids.ready],
  );
  ids.key = await seedNode('node-key', '10.77.0.3', { key_generated: true });
  ids.trust = await seedNode('node-trust', '10.77.0.4', { status: 'awaiting_host_key', seen_host_key: FINGERPRINT });
  ids.failed = await seedNode('node-failed', '10.77.0.5', { status: 'failed', steps_done: ['check'], failed_step: 'docker', status_detail: 'apt-get install docker.io exited with 100: Unable to locate package docker.io' });
  browser = await launchBrowser();
  op = await openPage(browser, { width: 1280, height: 800 });
  page = op.page;
  await signIn(page, stack.apiUrl, OPERATOR, OPERATOR_PASSWORD);
});

afterAll(async () => {
  await browser?.close();
  await stack?.stop();
});

describe('the Nodes page', () => {
  it('lists nodes with state, role and gauges; the add form shows what the api answers', async () => {
    await page.getByRole('link', { name: 'Admin', exact: true }).click();
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Nodes', exact: true }).click();
    const ready = page.locator('[data-node=node-ready]');
    await ready.waitFor();
    expect(await ready.locator('[data-node-status]').textContent()).toBe('ready');
    expect(await ready.getByRole('cell', { name: 'edge' }).count()).toBe(1);
    expect(await ready.getByLabel('CPU 37%').count()).toBe(1);
    expect(await ready.getByLabel('Memory 38%').count()).toBe(1);
    expect(await ready.getByLabel('Disk 92%').count()).toBe(1);
    expect(await page.locator('[data-node=node-key] [data-node-status]').textContent()).toBe('waiting for its key');
    expect(await page.locator('[data-node=node-trust] [data-node-status]').textContent()).toBe('confirm host key');
    await screenshot(page, 'admin-nodes');

    const form = page.getByRole('form', { name: 'Add a node' });
    await form.getByLabel('Host', { exact: true }).fill('10.77.0.9');
    await form.getByRole('button', { name: 'Add node' }).click();
    await form.getByRole('alert').getByText('Nodes need the swarm runtime: Slipway runs on the local runtime (SLIPWAY_RUNTIME=local).').waitFor();
    expect((await stack.admin.get('/api/v1/admin/nodes')).body).toHaveLength(4); // nothing was added
  });

  it('shows a generated public key to copy; confirming a host key starts provisioning, whose log streams live until the node is ready', async () => {
    await page.goto(`${stack.apiUrl}/admin/nodes/${ids.key}`);
    await page.getByRole('heading', { name: "Add Slipway's key to the node" }).waitFor();
    await page.getByText('ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITestKeyOfnodekey slipway-node-node-key').waitFor();
    expect(await page.getByRole('button', { name: 'Copy public key' }).count()).toBe(1);
    await screenshot(page, 'admin-node-key');

    await page.goto(`${stack.apiUrl}/admin/nodes/${ids.trust}`);
    expect(await page.getByTestId('seen-host-key').textContent()).toBe(FINGERPRINT);
    await page.getByRole('button', { name: 'Trust this host key…' }).click();
    await dialog().getByText(`Slipway pins ${FINGERPRINT} for 10.77.0.4`).waitFor();
    await dialog().getByRole('button', { name: 'Trust this host key' }).click();
    await page.locator('[data-node-status=provisioning]').first().waitFor();
    expect((await stack.admin.get(`/api/v1/admin/nodes/${ids.trust}`)).body.host_key_fingerprint).toBe(FINGERPRINT);
    await page.getByText('● live').waitFor();

    // the provisioner's lines reach the open page as they are written
    const box = page.getByTestId('node-log');
    await log(ids.trust, 'check', 'step', 'Checking the OS and resources');
    await log(ids.trust, 'check', 'cmd', '$ uname -srm'); // as NodeLog stores a command
    await log(ids.trust, 'check', 'out', 'Linux 6.1.0-13-amd64 x86_64');
    await box.getByText('-----> Checking the OS and resources').waitFor();
    await box.getByText('Linux 6.1.0-13-amd64 x86_64').waitFor();
    await log(ids.trust, 'join', 'step', 'Joining the swarm');
    await box.getByText('-----> Joining the swarm').waitFor();
    await stack.db.pool.query(`UPDATE nodes SET status = 'ready', steps_done = $2, swarm_node_id = 'swarmnode0002', last_heartbeat_at = now() WHERE id = $1`, [ids.trust, STEPS]);
    await page.locator('.app-head [data-node-status=ready]').waitFor();
    await eventually(async () => {
      expect(await page.getByText('not running').count()).toBe(1); // the stream ended: the node rests
      expect(await box.locator('.log-line').count()).toBe(4);
    }, 20_000, 200);
    expect(await page.locator('[data-testid=node-steps] li.done').count()).toBe(STEPS.length);
    await screenshot(page, 'admin-node-provisioned');
  });

  it('asks before drain, retry and remove, saying what will happen, and shows the answer', async () => {
    await page.goto(`${stack.apiUrl}/admin/nodes/${ids.ready}`);
    await page.getByRole('heading', { name: 'Last 24 hours' }).waitFor();
    await page.locator('.card canvas').first().waitFor(); // the 24-hour chart
    await page.getByRole('button', { name: 'Drain…' }).click();
    await dialog().getByText('The swarm moves every app task on this node to the other nodes').waitFor();
    await dialog().getByRole('button', { name: 'Drain node' }).click();
    await dialog().getByRole('alert').getByText(/Nodes need the swarm runtime/).waitFor(); // this stack has no swarm to drain in
    await screenshot(page, 'admin-node');
    await dialog().getByRole('button', { name: 'Cancel' }).click();

    await page.goto(`${stack.apiUrl}/admin/nodes/${ids.failed}`);
    await page.getByRole('heading', { name: 'Provisioning failed at “Installing Docker (if missing)”' }).waitFor();
    await page.getByText('Unable to locate package docker.io').waitFor();
    await page.getByRole('button', { name: 'Retry…' }).click();
    await dialog().getByText('Provisioning starts again from the step that failed (docker); the steps done stay done.').waitFor();
    await dialog().getByRole('button', { name: 'Retry' }).click();
    await page.locator('[data-node-status=provisioning]').first().waitFor();
    await eventually(async () => expect((await stack.admin.get(`/api/v1/admin/nodes/${ids.failed}`)).body.status).toBe('provisioning'), 10_000, 200);

    await page.goto(`${stack.apiUrl}/admin/nodes/${ids.key}`);
    await page.getByRole('button', { name: 'Remove…' }).click();
    await dialog().getByText('Its tasks move away, it leaves the swarm and Slipway forgets it').waitFor();
    await dialog().getByRole('button', { name: 'Remove node' }).click();
    await page.locator('#nodes-title').waitFor();
    await page.locator('[data-node=node-key] [data-node-status=removing]').waitFor();
    const actions = (await stack.admin.get('/api/v1/admin/activity?type=node')).body;
    expect(JSON.stringify(actions)).toContain('node.remove');
    expect(op.errors).toEqual([]);
  });
});
