// Worker nodes: their rows, provisioning log, figures, and the administrators' notifications their
// health raises. Platform-level (no organization). The sealed private key is read only by
// `sealedKey()`; every other read leaves it out.
import type { Queryable } from '../db/pool.js';
import type { NodeRole, NodeStatus } from '../domain/node-rules.js';
import { camel, camelAll, setClause } from './sql.js';

export interface NodeRow {
  id: string;
  name: string;
  host: string;
  port: number;
  sshUser: string;
  publicKey: string;
  keyGenerated: boolean;
  hostKeyFingerprint: string | null;
  seenHostKey: string | null;
  roles: NodeRole[];
  status: NodeStatus;
  statusDetail: string | null;
  stepsDone: string[];
  failedStep: string | null;
  swarmNodeId: string | null;
  availability: string | null;
  missedBeats: number;
  lastHeartbeatAt: Date | null;
  facts: Record<string, unknown>;
  stats: Record<string, unknown>;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface NodeLogLine {
  id: number;
  step: string;
  stream: 'step' | 'cmd' | 'out' | 'error';
  line: string;
  createdAt: Date;
}

export interface NodeMetric {
  ts: Date;
  cpuPercent: number | null;
  load1: number | null;
  memUsedMb: number | null;
  memTotalMb: number | null;
  diskUsedMb: number | null;
  diskTotalMb: number | null;
  tasks: number | null;
}

export interface AdminNotification {
  id: number;
  kind: string;
  message: string;
  details: Record<string, unknown>;
  createdAt: Date;
  readAt: Date | null;
}

const COLUMNS = `id, name, host, port, ssh_user, public_key, key_generated, host_key_fingerprint, seen_host_key, roles,
  status, status_detail, steps_done, failed_step, swarm_node_id, availability, missed_beats, last_heartbeat_at,
  facts, stats, created_by, created_at, updated_at`;

export type NodePatch = Partial<Pick<NodeRow,
  'status' | 'statusDetail' | 'stepsDone' | 'failedStep' | 'swarmNodeId' | 'availability' | 'missedBeats' | 'lastHeartbeatAt' |
  'facts' | 'stats' | 'hostKeyFingerprint' | 'seenHostKey' | 'roles'>>;

export class NodeRepository {
  constructor(private readonly db: Queryable) {}

  async create(n: {
    id: string; name: string; host: string; port: number; sshUser: string; privateKey: Buffer; publicKey: string;
    keyGenerated: boolean; hostKeyFingerprint: string | null; roles: NodeRole[]; createdBy: string | null;
  }): Promise<NodeRow> {
    const { rows } = await this.db.query(
      `INSERT INTO nodes (id, name, host, port, ssh_user, private_key, public_key, key_generated, host_key_fingerprint, roles, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING ${COLUMNS}`,
      [n.id, n.name, n.host, n.port, n.sshUser, n.privateKey, n.publicKey, n.keyGenerated, n.hostKeyFingerprint, n.roles, n.createdBy],
    );
    return camel<NodeRow>(rows[0]);
  }

  async find(id: string): Promise<NodeRow | null> {
    const { rows } = await this.db.query(`SELECT ${COLUMNS} FROM nodes WHERE id::text = $1 OR name = $1`, [id]);
    return rows[0] ? camel<NodeRow>(rows[0]) : null;
  }

  /** Locked for the rest of the transaction. */
  async lock(id: string): Promise<NodeRow | null> {
    const { rows } = await this.db.query(`SELECT ${COLUMNS} FROM nodes WHERE id = $1 FOR UPDATE`, [id]);
    return rows[0] ? camel<NodeRow>(rows[0]) : null;
  }

  async list(): Promise<NodeRow[]> {
    const { rows } = await this.db.query(`SELECT ${COLUMNS} FROM nodes ORDER BY created_at, name`);
    return camelAll<NodeRow>(rows);
  }

  async exists(host: string, port: number, name: string): Promise<'host' | 'name' | null> {
    const { rows } = await this.db.query(`SELECT host, port, name FROM nodes WHERE (host = $1 AND port = $2) OR name = $3 LIMIT 1`, [host, port, name]);
    if (!rows[0]) return null;
    return rows[0].name === name ? 'name' : 'host';
  }

  async sealedKey(id: string): Promise<Buffer | null> {
    const { rows } = await this.db.query(`SELECT private_key FROM nodes WHERE id = $1`, [id]);
    return rows[0] ? (rows[0].private_key as Buffer) : null;
  }

  async update(id: string, patch: NodePatch): Promise<NodeRow | null> {
    const { sql, values } = setClause(
      {
        status: patch.status,
        status_detail: patch.statusDetail,
        steps_done: patch.stepsDone,
        failed_step: patch.failedStep,
        swarm_node_id: patch.swarmNodeId,
        availability: patch.availability,
        missed_beats: patch.missedBeats,
        last_heartbeat_at: patch.lastHeartbeatAt,
        facts: patch.facts === undefined ? undefined : JSON.stringify(patch.facts),
        stats: patch.stats === undefined ? undefined : JSON.stringify(patch.stats),
        host_key_fingerprint: patch.hostKeyFingerprint,
        seen_host_key: patch.seenHostKey,
        roles: patch.roles,
      },
      [id],
    );
    const { rows } = await this.db.query(`UPDATE nodes SET ${sql} WHERE id = $1 RETURNING ${COLUMNS}`, values);
    return rows[0] ? camel<NodeRow>(rows[0]) : null;
  }

  /** Moves the node to `to` only from one of `from` (a concurrent change wins); the row, or null. */
  async transition(id: string, from: NodeStatus[], to: NodeStatus, detail: string | null = null): Promise<NodeRow | null> {
    const { rows } = await this.db.query(
      `UPDATE nodes SET status = $2, status_detail = $3, updated_at = now() WHERE id = $1 AND status = ANY($4::text[]) RETURNING ${COLUMNS}`,
      [id, to, detail, from],
    );
    return rows[0] ? camel<NodeRow>(rows[0]) : null;
  }

  async delete(id: string): Promise<void> {
    await this.db.query(`DELETE FROM nodes WHERE id = $1`, [id]);
  }

  async appendLog(nodeId: string, lines: { step: string; stream: NodeLogLine['stream']; line: string }[]): Promise<void> {
    if (!lines.length) return;
    await this.db.query(
      `INSERT INTO node_log (node_id, step, stream, line)
       SELECT $1, s, t, l FROM unnest($2::text[], $3::text[], $4::text[]) AS x(s, t, l)`,
      [nodeId, lines.map((l) => l.step), lines.map((l) => l.stream), lines.map((l) => l.line.slice(0, 4000))],
    );
  }

  async logAfter(nodeId: string, afterId: number, limit: number): Promise<NodeLogLine[]> {
    const { rows } = await this.db.query(
      `SELECT id, step, stream, line, created_at FROM node_log WHERE node_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
      [nodeId, afterId, limit],
    );
    return camelAll<NodeLogLine>(rows).map((r) => ({ ...r, id: Number(r.id) }));
  }

  async addMetric(nodeId: string, m: Omit<NodeMetric, 'ts'>): Promise<void> {
    await this.db.query(
      `INSERT INTO node_metrics (node_id, cpu_percent, load1, mem_used_mb, mem_total_mb, disk_used_mb, disk_total_mb, tasks)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
      [nodeId, m.cpuPercent, m.load1, m.memUsedMb, m.memTotalMb, m.diskUsedMb, m.diskTotalMb, m.tasks],
    );
  }

  async metrics(nodeId: string, since: Date): Promise<NodeMetric[]> {
    const { rows } = await this.db.query(
      `SELECT ts, cpu_percent, load1, mem_used_mb, mem_total_mb, disk_used_mb, disk_total_mb, tasks
       FROM node_metrics WHERE node_id = $1 AND ts >= $2 ORDER BY ts`,
      [nodeId, since],
    );
    return camelAll<NodeMetric>(rows);
  }

  async pruneMetrics(before: Date): Promise<void> {
    await this.db.query(`DELETE FROM node_metrics WHERE ts < $1`, [before]);
  }

  async notify(n: { kind: string; message: string; details?: Record<string, unknown> }): Promise<void> {
    await this.db.query(`INSERT INTO admin_notifications (kind, message, details) VALUES ($1, $2, $3)`, [n.kind, n.message, JSON.stringify(n.details ?? {})]);
  }

  async notifications(limit: number): Promise<AdminNotification[]> {
    const { rows } = await this.db.query(`SELECT * FROM admin_notifications ORDER BY id DESC LIMIT $1`, [limit]);
    return camelAll<AdminNotification>(rows).map((r) => ({ ...r, id: Number(r.id) }));
  }
}
