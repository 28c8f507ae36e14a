// bench/cluster — on the machines ./scripts/bench cluster starts (a swarm manager and two node
// machines, as the cluster tier): the time to provision a node until it is ready (each of two, added
// at once), the time until a drained node's tasks run elsewhere, and requests/s through the swarm
// edge against straight to one task, measured by the same load generator (Node, keep-alive, in a
// container on the app's network on the manager) in one run.
//   ./scripts/bench cluster          (BENCH_SECONDS=10 BENCH_CONNECTIONS=32 by default)
import { orgNetworkName } from '@slipway/core/naming';
import { shellQuote } from '@slipway/core/domain/node-rules';
import { ApiClient } from '../e2e/support/client.js';
import { WorkingCopy } from '../e2e/support/git.js';
import { eventually } from '../e2e/support/wait.js';
import { probe } from '../e2e/swarm/support/swarm-fixture.js';
import { cluster, edgeGet, hostKeyFingerprint, startClusterStack, taskNodes, waitNode } from '../e2e/cluster/support/cluster-fixture.js';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const APP = 'bench-cluster';

/** A keep-alive load generator run with `node -e` in the stack image: prints "<ok> <errors>". */
const LOAD = `
const http = require('http');
const [host, port, hostHeader, secs, conns] = process.argv.slice(1);
const agent = new http.Agent({ keepAlive: true, maxSockets: Number(conns) });
const end = Date.now() + Number(secs) * 1000;
let ok = 0, errors = 0;
function one() {
  if (Date.now() > end) return Promise.resolve();
  return new Promise((res) => {
    const req = http.get({ host, port: Number(port), path: '/', agent, headers: { host: hostHeader } }, (r) => {
      r.resume(); r.on('end', () => { if (r.statusCode === 200) ok++; else errors++; res(); });
    });
    req.on('error', () => { errors++; res(); });
  }).then(one);
}
Promise.all(Array.from({ length: Number(conns) }, one)).then(() => { console.log(ok + ' ' + errors); process.exit(0); });
`;

async function main(): Promise<void> {
  const c = cluster();
  const stack = await startClusterStack(c);
  try {
    const admin = stack.admin;
    const key = await c.privateKey();
    // the worker is ready once it has labelled the manager (after the registry and the edge)
    await eventually(async () => {
      const swarm = (await admin.get('/api/v1/admin/nodes/swarm')).body as { labels?: Record<string, string> }[];
      if (!swarm.some((n) => n.labels?.['slipway.node'] === 'manager')) throw new Error('the worker is not ready');
    }, 300_000, 500);
    const t0 = Date.now();
    const added = await Promise.all(c.nodes.map(async (m, i) => (await admin.post('/api/v1/admin/nodes', {
      name: m.name, host: m.ip, private_key: key, host_key_fingerprint: await hostKeyFingerprint(m), roles: i === 0 ? ['edge'] : [],
    })).body as { id: string }));
    const times = await Promise.all(added.map(async (n) => {
      const ready = await waitNode(admin, n.id, 'ready');
      return { ready, s: (Date.now() - t0) / 1000 };
    }));
    for (const t of times) console.log(`provision ${t.ready.name} (ready): ${t.s.toFixed(1)} s`);
    const node2 = times[1]!.ready;

    const dev = await ApiClient.signUp(stack.apiUrl, 'bench-cluster@example.com');
    const app = (await dev.post('/apps', { name: APP, plan: 'standard' })).body as { organization: { id: string } };
    const wc = await WorkingCopy.create({ fixture: 'procfile-app' });
    const push = await wc.push(`${stack.apiUrl}/${APP}.git`, dev.token!);
    if (push.code !== 0) throw new Error(`push failed:\n${push.output}`);
    await dev.patch(`/apps/${APP}/formation`, { updates: [{ type: 'web', quantity: 3 }] });
    const web = `slw-${APP}-web`;
    await eventually(async () => {
      const where = await taskNodes(c.docker, web);
      if ([...where.values()].reduce((a, b) => a + b, 0) !== 3 || !where.get(node2.swarm_node_id!)) throw new Error('not spread yet');
    }, 300_000, 1000);
    const host = `${APP}.localhost`;
    await eventually(async () => {
      if ((await edgeGet(c.nodes[0]!.ip, stack.edgePort, host)).status !== 200) throw new Error('edge not answering');
    }, 120_000, 500);

    const d0 = Date.now();
    await admin.post(`/api/v1/admin/nodes/${node2.id}/drain`);
    await waitNode(admin, node2.id, 'drained', 600_000);
    console.log(`reschedule after drain (node2's tasks running elsewhere): ${((Date.now() - d0) / 1000).toFixed(1)} s`);

    const net = orgNetworkName(app.organization.id);
    const taskIps = async () => {
      const tasks = (await c.docker.listTasks({ filters: JSON.stringify({ service: [web], 'desired-state': ['running'] }) })) as {
        Status: { State: string }; NetworksAttachments?: { Network?: { Spec?: { Name?: string } }; Addresses?: string[] }[];
      }[];
      return tasks.filter((t) => t.Status.State === 'running').map((t) => t.NetworksAttachments!.find((n) => n.Network?.Spec?.Name === net)!.Addresses![0]!.split('/')[0]!);
    };
    const load = async (ip: string, port: number) => {
      const r = await probe(c.docker, net, `exec ${shellQuote(['node', '-e', LOAD, ip, String(port), host, String(seconds), String(connections)])}`, (seconds + 60) * 1000);
      const [ok, errors] = r.output.trim().split(/\s+/).map(Number);
      return { rps: (ok ?? 0) / seconds, errors: errors ?? NaN };
    };
    const line = (what: string, m: { rps: number; errors: number }) => console.log(`${what}: ${m.rps.toFixed(0)} requests/s (${m.errors} errors)`);
    const edge3 = await load(c.nodes[0]!.ip, stack.edgePort);
    const direct = await load((await taskIps())[0]!, 5000);
    line('edge on the swarm (node1), 3 tasks behind it', edge3);
    line('direct to one task', direct);
    // the edge's own cost: one task behind it
    await dev.patch(`/apps/${APP}/formation`, { updates: [{ type: 'web', quantity: 1 }] });
    await eventually(async () => {
      if ((await taskIps()).length !== 1) throw new Error('not scaled down yet');
    }, 120_000, 1000);
    await new Promise((r) => setTimeout(r, 3000)); // the stopped tasks' addresses leave DNS
    const edge1 = await load(c.nodes[0]!.ip, stack.edgePort);
    const direct1 = await load((await taskIps())[0]!, 5000);
    line('edge on the swarm (node1), 1 task behind it', edge1);
    line('direct to that task', direct1);
    console.log(`edge / direct: ${(edge3.rps / direct.rps).toFixed(2)} with 3 tasks, ${(edge1.rps / direct1.rps).toFixed(2)} with 1 (${connections} keep-alive connections, ${seconds} s each, from a container on the manager; the app is python3 -m http.server)`);
  } finally {
    await stack.stop();
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.stack ?? err.message}\n`);
  process.exit(1);
});
