// One node: its state and what to do next (add the generated public key and start, confirm the
// host key it presented, retry after a failure, drain, activate, remove — each asked first, saying
// what will happen), the provisioning steps, the provisioning log live, and its last 24 hours.
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { useNode, useNodeMetrics, useNodeMutations } from '../../api/nodes';
import type { NodeJson } from '../../api/types';
import { CommandLine, ConfirmDialog, Empty, ErrorNote, Loading, TimeAgo } from '../../components/ui';
import { NodeChart } from '../../components/NodeChart';
import { useNodeLog } from '../../lib/use-node-log';
import { NodeBadge } from './Nodes';

type Act = 'provision' | 'trust' | 'drain' | 'activate' | 'remove';

function texts(n: NodeJson): Record<Act, { title: string; label: string; body: string; danger?: boolean }> {
  return {
    provision: { title: `Provision ${n.name}?`, label: n.status === 'failed' ? 'Retry' : 'Start provisioning', body: n.status === 'failed' ? `Provisioning starts again from the step that failed (${n.failed_step ?? 'the first'}); the steps done stay done.` : `Slipway connects to ${n.user}@${n.host}:${n.port} with its key, installs Docker if needed and joins the node to the swarm.` },
    trust: { title: `Trust the host key of ${n.name}?`, label: 'Trust this host key', body: `Slipway pins ${n.seen_host_key ?? ''} for ${n.host} and refuses any other key from then on. Compare it with the node's own: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` },
    drain: { title: `Drain ${n.name}?`, label: 'Drain node', danger: true, body: 'The swarm moves every app task on this node to the other nodes, then the node takes no new work. Apps with one replica restart elsewhere (a few seconds without it).' },
    activate: { title: `Activate ${n.name}?`, label: 'Activate node', body: 'The node takes new work again; running tasks are not moved back.' },
    remove: { title: `Remove ${n.name}?`, label: 'Remove node', danger: true, body: 'Its tasks move away, it leaves the swarm and Slipway forgets it (its key and figures). The machine itself is left as it is.' },
  };
}

function NextStep({ n, onAct }: { n: NodeJson; onAct: (a: Act) => void }) {
  if (n.status === 'pending' && n.key_generated)
    return (
      <div className="card card-note">
        <h2>Add Slipway's key to the node</h2>
        <p>Append this line to <code>~{n.user}/.ssh/authorized_keys</code> on {n.host}, then start provisioning.</p>
        <CommandLine command={n.public_key} label="Copy public key" />
        <button type="button" className="btn btn-primary" onClick={() => onAct('provision')}>
          Start provisioning…
        </button>
      </div>
    );
  if ((n.status === 'awaiting_host_key' || n.status === 'untrusted') && n.seen_host_key)
    return (
      <div className={`card ${n.status === 'untrusted' ? 'card-danger' : 'card-note'}`}>
        <h2>{n.status === 'untrusted' ? 'The node presented a different host key' : 'Confirm the host key'}</h2>
        <p>
          {n.host} presented <code data-testid="seen-host-key">{n.seen_host_key}</code>
          {n.host_key_fingerprint && (
            <>
              {' '}
              (pinned: <code>{n.host_key_fingerprint}</code>)
            </>
          )}
          .
        </p>
        <button type="button" className="btn btn-primary" onClick={() => onAct('trust')}>
          Trust this host key…
        </button>
      </div>
    );
  if (n.status === 'failed')
    return (
      <div className="card card-danger">
        <h2>Provisioning failed{n.failed_step ? ` at “${n.steps.find((s) => s.name === n.failed_step)?.title ?? n.failed_step}”` : ''}</h2>
        {n.status_detail && <pre className="log-box log-box-short">{n.status_detail}</pre>}
        <button type="button" className="btn btn-primary" onClick={() => onAct('provision')}>
          Retry…
        </button>
      </div>
    );
  return null;
}

export function AdminNode() {
  const { id = '' } = useParams();
  const q = useNode(id);
  const metrics = useNodeMetrics(id);
  const log = useNodeLog(id, q.data?.status);
  const m = useNodeMutations();
  const navigate = useNavigate();
  const [act, setAct] = useState<Act | null>(null);
  if (q.isPending) return <Loading what="Loading the node" />;
  if (q.error) return q.error.status === 404 ? <Empty title="There is no such node (it may have been removed)."><Link to="/admin/nodes">All nodes</Link></Empty> : <ErrorNote error={q.error} />;
  const n = q.data;
  const mutation = act === 'trust' ? m.confirmHostKey : act ? m[act] : null;
  const open = (a: Act) => (mutation?.reset(), setAct(a));
  const confirm = () => {
    const close = { onSuccess: () => setAct(null) };
    if (act === 'trust') m.confirmHostKey.mutate({ id: n.id, fingerprint: n.seen_host_key ?? '' }, close);
    else if (act === 'remove') m.remove.mutate(n.id, { onSuccess: () => navigate('/admin/nodes') });
    else if (act) m[act].mutate(n.id, close);
  };
  const t = texts(n);
  return (
    <section className="stack" aria-labelledby="node-title">
      <div className="app-head">
        <div>
          <p className="crumbs muted small">
            <Link to="/admin/nodes">Nodes</Link> /
          </p>
          <h1 id="node-title">{n.name}</h1>
        </div>
        <NodeBadge status={n.status} />
        {n.roles.map((r) => (
          <span key={r} className="tag">
            {r}
          </span>
        ))}
        <div className="head-actions">
          {n.status === 'ready' && (
            <button type="button" className="btn" onClick={() => open('drain')}>
              Drain…
            </button>
          )}
          {n.status === 'drained' && (
            <button type="button" className="btn" onClick={() => open('activate')}>
              Activate…
            </button>
          )}
          {n.status !== 'removing' && n.status !== 'provisioning' && (
            <button type="button" className="btn btn-danger-outline" onClick={() => open('remove')}>
              Remove…
            </button>
          )}
        </div>
      </div>
      <NextStep n={n} onAct={open} />
      <div className="grid-2">
        <div className="card">
          <h2>Machine</h2>
          <dl className="facts">
            <dt>SSH</dt>
            <dd className="mono">
              {n.user}@{n.host}:{n.port}
            </dd>
            <dt>Host key</dt>
            <dd className="mono small">{n.host_key_fingerprint ?? '—'}</dd>
            <dt>System</dt>
            <dd>{[n.facts.prettyName, n.facts.arch, n.facts.cpus && `${n.facts.cpus} CPUs`, n.facts.memoryMb && `${Math.round(n.facts.memoryMb / 1024)} GB RAM`].filter(Boolean).join(' · ') || '—'}</dd>
            <dt>Docker</dt>
            <dd>{n.facts.docker ?? '—'}</dd>
            <dt>Last check</dt>
            <dd>
              <TimeAgo iso={n.last_heartbeat_at} />
              {n.missed_beats > 0 && <span className="tag tag-warn">{n.missed_beats} missed</span>}
            </dd>
          </dl>
        </div>
        <div className="card">
          <h2>Provisioning</h2>
          <ol className="node-steps" data-testid="node-steps">
            {n.steps.map((s) => (
              <li key={s.name} className={s.done ? 'done' : s.name === n.failed_step ? 'failed' : ''}>
                <span aria-hidden="true">{s.done ? '✓' : s.name === n.failed_step ? '✗' : '·'}</span> {s.title}
              </li>
            ))}
          </ol>
        </div>
      </div>
      <div className="card">
        <div className="card-head">
          <h2>Log</h2>
          <span className={`live ${log.live ? 'on' : ''}`}>{log.live ? '● live' : 'not running'}</span>
        </div>
        <div className="log-box" data-testid="node-log" role="log" aria-live="polite">
          {log.lines.length === 0 ? (
            <span className="muted">Nothing logged yet.</span>
          ) : (
            log.lines.map((l) => (
              <div key={l.id} className={`log-line node-log-${l.stream}`}>
                {l.stream === 'step' ? `-----> ${l.line}` : l.line}
              </div>
            ))
          )}
        </div>
      </div>
      <div className="card">
        <h2>Last 24 hours</h2>
        {metrics.isPending ? <Loading /> : metrics.error ? <ErrorNote error={metrics.error} /> : metrics.data.points.length < 2 ? <p className="muted">Not enough checks yet.</p> : <NodeChart points={metrics.data.points} />}
      </div>
      {act && (
        <ConfirmDialog open title={t[act].title} confirmLabel={t[act].label} danger={t[act].danger} busy={mutation?.isPending} error={mutation?.error} onConfirm={confirm} onClose={() => setAct(null)}>
          <p>{t[act].body}</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
