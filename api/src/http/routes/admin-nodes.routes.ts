// Worker nodes (platform administrators only): /api/v1/admin/nodes. Node JSON (every endpoint that
// returns a node):
//   { id, name, host, port, user, roles: ["edge"],
//     status: pending | awaiting_host_key | provisioning | ready | failed | untrusted | down | draining | drained | removing,
//     status_detail: string|null (why: failed step + last output lines, host key mismatch, …),
//     failed_step: string|null, steps: [{ name, title, done }],
//     host_key_fingerprint: "SHA256:…"|null (pinned), seen_host_key: "SHA256:…"|null (presented, to confirm),
//     public_key: "ssh-ed25519 AAAA… slipway-node-<name>" (for authorized_keys), key_generated: bool,
//     swarm_node_id: string|null, availability: active | pause | drain | null,
//     missed_beats, last_heartbeat_at,
//     facts: { kernel, arch, prettyName, cpus, memoryMb, diskFreeGb, docker },
//     stats: { cpuPercent, load1, memUsedMb, memTotalMb, diskUsedMb, diskTotalMb, tasks, at, error? },
//     created_at, updated_at }
// The private key is never returned.
//   GET    /api/v1/admin/nodes                      [node]
//   POST   /api/v1/admin/nodes                      { host, port?=22, user?="root", name?, roles?: ["edge"],
//                                                     private_key?: "-----BEGIN OPENSSH PRIVATE KEY-----…" | generate_key?: true,
//                                                     host_key_fingerprint?: "SHA256:…" }
//          → 201 node (+ public_key). With private_key provisioning starts at once; with generate_key the
//          node stays `pending` until the public key is in its authorized_keys and POST …/provision.
//          Without host_key_fingerprint the first contact stops at `awaiting_host_key` (seen_host_key
//          set) until POST …/host-key confirms it. Bad host/port/user/key → 400 naming the rule.
//   GET    /api/v1/admin/nodes/swarm                every swarm node as the manager sees it (manager
//          included): [{ id, hostname, role, state, availability, address, labels, engine_version, cpus, memory_mb, leader }]
//   GET    /api/v1/admin/nodes/:id                  node (by id or name)
//   POST   /api/v1/admin/nodes/:id/provision        start, or retry after `failed` (resumes) → 202 node
//   POST   /api/v1/admin/nodes/:id/host-key         { host_key_fingerprint } = seen_host_key → 202 node (provisions)
//   POST   /api/v1/admin/nodes/:id/drain            → 202 node (draining → drained once its tasks run elsewhere)
//   POST   /api/v1/admin/nodes/:id/activate         → 202 node (drained → ready)
//   DELETE /api/v1/admin/nodes/:id                  → 202 node (removing; the row goes when done);
//          409 while it runs the only replica of a service (details.services)
//   GET    /api/v1/admin/nodes/:id/log?after=0&limit=500
//          → { status, failed_step, lines: [{ id, step, stream: step|cmd|out|error, line, at }], next_after }
//   GET    /api/v1/admin/nodes/:id/log/stream?after=0   SSE: `line` events (JSON of a line), `status`
//          events ({ status, status_detail }) when it changes; ends once the node rests (not provisioning,
//          draining or removing) and every line was sent
//   GET    /api/v1/admin/nodes/:id/metrics?hours=24 → { node_id, from, points: [{ ts, cpu_percent, load1,
//          mem_used_mb, mem_total_mb, disk_used_mb, disk_total_mb, tasks }] } (one point per heartbeat)
//   GET    /api/v1/admin/notifications?limit=50     [{ id, kind (node.down|node.up|node.untrusted), message, details, created_at, read_at }]
import { Router, type Request } from 'express';
import { z } from 'zod';
import { PROVISION_STEPS } from '@slipway/core/domain/node-rules';
import type { NodeRow, NodeLogLine } from '@slipway/core/repositories/node.repository';
import type { NodesAdminService } from '../../services/nodes-admin.service.js';
import { requirePlatformAdmin } from '../middleware/auth.js';
import { openSse } from '../sse.js';

const AddNode = z.strictObject({
  host: z.unknown(),
  port: z.unknown().optional(),
  user: z.unknown().optional(),
  name: z.unknown().optional(),
  roles: z.unknown().optional(),
  private_key: z.unknown().optional(),
  generate_key: z.boolean().optional(),
  host_key_fingerprint: z.unknown().optional(),
});
const LogQuery = z.object({ after: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(2000).default(500) });
const MetricsQuery = z.object({ hours: z.coerce.number().int().min(1).max(168).default(24) });
const Limit = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });
const RESTING = new Set(['pending', 'awaiting_host_key', 'ready', 'failed', 'untrusted', 'down', 'drained']);

export const nodeJson = (n: NodeRow) => ({
  id: n.id,
  name: n.name,
  host: n.host,
  port: n.port,
  user: n.sshUser,
  roles: n.roles,
  status: n.status,
  status_detail: n.statusDetail,
  failed_step: n.failedStep,
  steps: PROVISION_STEPS.map((s) => ({ name: s.name, title: s.title, done: n.stepsDone.includes(s.name) })),
  host_key_fingerprint: n.hostKeyFingerprint,
  seen_host_key: n.seenHostKey,
  public_key: n.publicKey,
  key_generated: n.keyGenerated,
  swarm_node_id: n.swarmNodeId,
  availability: n.availability,
  missed_beats: n.missedBeats,
  last_heartbeat_at: n.lastHeartbeatAt,
  facts: n.facts,
  stats: Object.fromEntries(Object.entries(n.stats).filter(([k]) => k !== 'cpuCounters')),
  created_at: n.createdAt,
  updated_at: n.updatedAt,
});

const lineJson = (l: NodeLogLine) => ({ id: l.id, step: l.step, stream: l.stream, line: l.line, at: l.createdAt });
const idOf = (req: Request) => String(req.params.id);

export function adminNodesRoutes(nodes: NodesAdminService): Router {
  const r = Router();
  r.use(['/api/v1/admin/nodes', '/api/v1/admin/notifications'], requirePlatformAdmin);

  r.get('/api/v1/admin/nodes', async (_req, res) => {
    res.json((await nodes.list()).map(nodeJson));
  });

  r.post('/api/v1/admin/nodes', async (req, res) => {
    const b = AddNode.parse(req.body ?? {});
    const { node, publicKey } = await nodes.add(req.actor!.user.id, {
      host: b.host, port: b.port, user: b.user, name: b.name, roles: b.roles,
      privateKey: b.private_key, generateKey: b.generate_key, hostKeyFingerprint: b.host_key_fingerprint,
    });
    res.status(201).json({ ...nodeJson(node), public_key: publicKey });
  });

  r.get('/api/v1/admin/nodes/swarm', async (_req, res) => {
    res.json((await nodes.swarmNodes()).map((n) => ({
      id: n.id, hostname: n.hostname, role: n.role, state: n.state, availability: n.availability, address: n.address, labels: n.labels,
      engine_version: n.engineVersion, cpus: n.cpus, memory_mb: Math.round(n.memoryBytes / 1048576), leader: n.leader,
    })));
  });

  r.get('/api/v1/admin/nodes/:id', async (req, res) => {
    res.json(nodeJson(await nodes.get(idOf(req))));
  });

  r.post('/api/v1/admin/nodes/:id/provision', async (req, res) => {
    res.status(202).json(nodeJson(await nodes.provision(req.actor!.user.id, idOf(req))));
  });

  r.post('/api/v1/admin/nodes/:id/host-key', async (req, res) => {
    const b = z.strictObject({ host_key_fingerprint: z.unknown() }).parse(req.body ?? {});
    res.status(202).json(nodeJson(await nodes.confirmHostKey(req.actor!.user.id, idOf(req), b.host_key_fingerprint)));
  });

  r.post('/api/v1/admin/nodes/:id/drain', async (req, res) => {
    res.status(202).json(nodeJson(await nodes.drain(req.actor!.user.id, idOf(req))));
  });

  r.post('/api/v1/admin/nodes/:id/activate', async (req, res) => {
    res.status(202).json(nodeJson(await nodes.activate(req.actor!.user.id, idOf(req))));
  });

  r.delete('/api/v1/admin/nodes/:id', async (req, res) => {
    res.status(202).json(nodeJson(await nodes.remove(req.actor!.user.id, idOf(req))));
  });

  r.get('/api/v1/admin/nodes/:id/log', async (req, res) => {
    const q = LogQuery.parse(req.query);
    const { node, lines } = await nodes.log(idOf(req), q.after, q.limit);
    res.json({ status: node.status, failed_step: node.failedStep, lines: lines.map(lineJson), next_after: lines.at(-1)?.id ?? q.after });
  });

  r.get('/api/v1/admin/nodes/:id/log/stream', async (req, res) => {
    let { after } = LogQuery.parse(req.query);
    const id = (await nodes.get(idOf(req))).id;
    const sse = openSse(req, res);
    let status = '';
    while (!sse.signal.aborted) {
      const { node, lines } = await nodes.log(id, after, 500);
      for (const l of lines) sse.send(JSON.stringify(lineJson(l)), 'line');
      after = lines.at(-1)?.id ?? after;
      if (node.status !== status) {
        status = node.status;
        sse.send(JSON.stringify({ status: node.status, status_detail: node.statusDetail }), 'status');
      }
      if (!lines.length && RESTING.has(node.status)) break;
      await new Promise((r2) => setTimeout(r2, 500));
    }
    sse.end();
  });

  r.get('/api/v1/admin/nodes/:id/metrics', async (req, res) => {
    const { hours } = MetricsQuery.parse(req.query);
    const { node, from, points } = await nodes.metrics(idOf(req), hours);
    res.json({
      node_id: node.id,
      from,
      points: points.map((p) => ({
        ts: p.ts, cpu_percent: p.cpuPercent, load1: p.load1, mem_used_mb: p.memUsedMb, mem_total_mb: p.memTotalMb,
        disk_used_mb: p.diskUsedMb, disk_total_mb: p.diskTotalMb, tasks: p.tasks,
      })),
    });
  });

  r.get('/api/v1/admin/notifications', async (req, res) => {
    const { limit } = Limit.parse(req.query);
    res.json((await nodes.notifications(limit)).map((n) => ({ id: n.id, kind: n.kind, message: n.message, details: n.details, created_at: n.createdAt, read_at: n.readAt })));
  });

  return r;
}
