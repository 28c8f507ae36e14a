// The cluster's worker nodes: each with its state, roles and CPU/memory/disk gauges, and a form to
// add one — with a private key, or a key pair Slipway generates whose public key the operator puts
// in the node's authorized_keys; the node's page then shows the provisioning live.
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { Link, useNavigate } from 'react-router';
import { useNodeMutations, useNodes } from '../../api/nodes';
import type { NodeJson } from '../../api/types';
import { Empty, ErrorNote, TimeAgo } from '../../components/ui';
import { DataTable, QueryView } from '../../components/QueryView';

export const NODE_STATE: Record<string, string> = {
  pending: 'waiting for its key',
  awaiting_host_key: 'confirm host key',
  provisioning: 'provisioning',
  ready: 'ready',
  failed: 'failed',
  untrusted: 'host key changed',
  down: 'down',
  draining: 'draining',
  drained: 'drained',
  removing: 'removing',
};
const TONE: Record<string, string> = { ready: 'running', provisioning: 'deploying', draining: 'deploying', removing: 'deploying', failed: 'failed', untrusted: 'failed', down: 'crashed', drained: 'stopped', pending: 'new', awaiting_host_key: 'suspended' };

export function NodeBadge({ status }: { status: string }) {
  return (
    <span className={`badge badge-${TONE[status] ?? 'new'}`} data-node-status={status}>
      {NODE_STATE[status] ?? status}
    </span>
  );
}

export function Gauge({ label, used, total, unit }: { label: string; used: number | undefined; total: number | undefined; unit?: string }) {
  if (used === undefined || total === undefined || total <= 0) return <span className="muted small">—</span>;
  const pct = Math.min(100, Math.round((used / total) * 100));
  return (
    <span className="gauge" title={`${label}: ${unit ? `${Math.round(used)} of ${Math.round(total)} ${unit}` : `${pct}%`}`} aria-label={`${label} ${pct}%`}>
      <span className="bar">
        <span className={`bar-fill ${pct >= 90 ? 'bar-failed' : pct >= 70 ? 'bar-suspended' : 'bar-running'}`} style={{ width: `${Math.max(2, pct)}%` }} />
      </span>
      <span className="small">{pct}%</span>
    </span>
  );
}

function AddNode() {
  const { add } = useNodeMutations();
  const navigate = useNavigate();
  const [mode, setMode] = useState<'generate' | 'key'>('generate');
  const { register, handleSubmit, formState } = useForm<{ host: string; port: string; user: string; name: string; edge: boolean; key: string; fingerprint: string }>({
    defaultValues: { host: '', port: '22', user: 'root', name: '', edge: false, key: '', fingerprint: '' },
  });
  return (
    <form
      className="card"
      aria-label="Add a node"
      onSubmit={handleSubmit((f) =>
        add.mutate(
          {
            host: f.host.trim(),
            port: Number(f.port),
            user: f.user.trim(),
            roles: f.edge ? ['edge'] : [],
            ...(f.name.trim() ? { name: f.name.trim() } : {}),
            ...(mode === 'generate' ? { generate_key: true } : { private_key: f.key }),
            ...(f.fingerprint.trim() ? { host_key_fingerprint: f.fingerprint.trim() } : {}),
          },
          { onSuccess: (n) => navigate(`/admin/nodes/${n.id}`) },
        ),
      )}
      noValidate
    >
      <h2>Add a node</h2>
      <p className="muted small">Slipway reaches the machine over SSH, pins its host key, installs Docker if needed, joins it to the swarm and checks it every 30 seconds.</p>
      <div className="form-grid">
        <label className="field">
          <span>Host</span>
          <input {...register('host', { required: 'The address Slipway reaches the node at.' })} placeholder="10.0.0.12 or node1.example.com" aria-label="Host" spellCheck={false} />
          {formState.errors.host && <small className="field-error">{formState.errors.host.message}</small>}
        </label>
        <label className="field">
          <span>SSH port</span>
          <input inputMode="numeric" {...register('port')} aria-label="SSH port" />
        </label>
        <label className="field">
          <span>SSH user</span>
          <input {...register('user')} aria-label="SSH user" spellCheck={false} />
        </label>
        <label className="field">
          <span>Name</span>
          <input {...register('name')} placeholder="from the host when empty" aria-label="Node name" spellCheck={false} />
        </label>
        <label className="field span-2">
          <span>Host key fingerprint (optional)</span>
          <input {...register('fingerprint')} placeholder="SHA256:… — without it you confirm the key the node presents" aria-label="Host key fingerprint" spellCheck={false} />
        </label>
      </div>
      <fieldset className="field">
        <legend>Key</legend>
        <label className="check">
          <input type="radio" checked={mode === 'generate'} onChange={() => setMode('generate')} /> Generate a key pair (you add its public key to the node)
        </label>
        <label className="check">
          <input type="radio" checked={mode === 'key'} onChange={() => setMode('key')} /> Use a private key I paste
        </label>
      </fieldset>
      {mode === 'key' && (
        <label className="field">
          <span>Private key</span>
          <textarea rows={4} {...register('key')} placeholder="-----BEGIN OPENSSH PRIVATE KEY-----" aria-label="Private key" spellCheck={false} />
          <small className="muted">Sealed at rest and never shown again.</small>
        </label>
      )}
      <label className="check">
        <input type="checkbox" {...register('edge')} /> runs the edge (receives app traffic)
      </label>
      <ErrorNote error={add.error} />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={add.isPending}>
          {add.isPending ? 'Adding…' : 'Add node'}
        </button>
      </div>
    </form>
  );
}

function NodeRowView({ n }: { n: NodeJson }) {
  const s = n.stats;
  return (
    <tr data-node={n.name}>
      <td data-label="Node">
        <Link to={`/admin/nodes/${n.id}`} className="app-link">
          {n.name}
        </Link>
        <div className="muted small mono">
          {n.user}@{n.host}:{n.port}
        </div>
      </td>
      <td data-label="State">
        <NodeBadge status={n.status} />
      </td>
      <td data-label="Roles">{n.roles.length ? n.roles.join(', ') : <span className="muted">worker</span>}</td>
      <td data-label="CPU">
        <Gauge label="CPU" used={s.cpuPercent} total={s.cpuPercent === undefined ? undefined : 100} />
      </td>
      <td data-label="Memory">
        <Gauge label="Memory" used={s.memUsedMb} total={s.memTotalMb} unit="MB" />
      </td>
      <td data-label="Disk">
        <Gauge label="Disk" used={s.diskUsedMb} total={s.diskTotalMb} unit="MB" />
      </td>
      <td data-label="Checked">
        <TimeAgo iso={n.last_heartbeat_at} />
      </td>
    </tr>
  );
}

export function AdminNodes() {
  const nodes = useNodes();
  return (
    <section className="stack" aria-labelledby="nodes-title">
      <h1 id="nodes-title">Nodes</h1>
      <div className="card">
        <QueryView
          query={nodes}
          empty={
            <Empty title="No worker nodes yet: apps run on the manager.">
              <p className="muted">Add a machine below to spread apps over more than one.</p>
            </Empty>
          }
        >
          {(list) => (
            <DataTable testId="nodes" columns={['Node', 'State', 'Roles', 'CPU', 'Memory', 'Disk', 'Checked']}>
              {list.map((n) => (
                <NodeRowView key={n.id} n={n} />
              ))}
            </DataTable>
          )}
        </QueryView>
      </div>
      <AddNode />
    </section>
  );
}
