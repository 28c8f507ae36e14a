// One organization as a platform admin sees it: wallet (credit or adjust with a note), apps,
// members, ledger, activity; suspend and resume (its apps stop and come back), and delete after its
// name is typed (apps, services, networks, domains, slugs and wallet go; the ledger stays).
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { Link, useNavigate, useParams } from 'react-router';
import { useAdminOrg, useOrgAdminMutations } from '../../api/admin';
import type { AdminOrgView } from '../../api/types';
import { ConfirmDialog, Empty, ErrorNote, Loading, StatusBadge } from '../../components/ui';
import { DataTable } from '../../components/QueryView';
import { LedgerCard } from '../../components/LedgerCard';
import { formatHours, formatMoney, perHour } from '../../lib/money';
import { OrgActivity } from './Activity';

const MICRO = 1_000_000;
/** One badge per standing reason: they do not lift each other (org-suspension.ts). */
const REASON_LABEL: Record<string, string> = { admin: 'suspended by an administrator', wallet: 'suspended: wallet empty' };

function WalletForm({ org }: { org: AdminOrgView }) {
  const { credit, adjust } = useOrgAdminMutations(org.id);
  const [done, setDone] = useState('');
  const { register, handleSubmit, watch, reset, formState } = useForm<{ kind: 'credit' | 'adjustment'; usd: string; note: string }>({ defaultValues: { kind: 'credit', usd: '', note: '' } });
  const kind = watch('kind');
  const m = kind === 'credit' ? credit : adjust;
  const submit = handleSubmit((f) => {
    const amount = Math.round(Number(f.usd) * MICRO);
    setDone('');
    m.mutate(
      { amount, note: f.note.trim() },
      { onSuccess: () => (setDone(`${kind === 'credit' ? 'Credited' : 'Adjusted by'} ${formatMoney(amount)}.`), reset({ kind, usd: '', note: '' })) },
    );
  });
  return (
    <form className="inline-form" onSubmit={submit} noValidate data-testid="wallet-form">
      <label className="field">
        <span>Entry</span>
        <select {...register('kind')} aria-label="Entry kind">
          <option value="credit">Credit (top-up)</option>
          <option value="adjustment">Adjustment (±)</option>
        </select>
      </label>
      <label className="field">
        <span>Amount (USD)</span>
        <input
          inputMode="decimal"
          {...register('usd', {
            validate: (v) => {
              const n = Number(v);
              if (!v.trim() || !Number.isFinite(n) || n === 0) return 'An amount other than 0, e.g. 25 or 12.50.';
              if (kind === 'credit' && n < 0) return 'A credit is positive; use an adjustment to take money off.';
              return true;
            },
          })}
          placeholder="25.00"
          aria-invalid={!!formState.errors.usd}
        />
        {formState.errors.usd && <small className="field-error">{formState.errors.usd.message}</small>}
      </label>
      <label className="field grow">
        <span>Note</span>
        <input {...register('note', { validate: (v) => kind === 'credit' || !!v.trim() || 'An adjustment needs a note saying why.' })} placeholder="Welcome credit, refund for incident 12…" maxLength={500} aria-invalid={!!formState.errors.note} />
        {formState.errors.note && <small className="field-error">{formState.errors.note.message}</small>}
      </label>
      <button type="submit" className="btn btn-primary" disabled={m.isPending}>
        {m.isPending ? 'Saving…' : kind === 'credit' ? 'Credit wallet' : 'Record adjustment'}
      </button>
      <ErrorNote error={m.error} />
      {done && (
        <p className="ok-note" role="status">
          {done}
        </p>
      )}
    </form>
  );
}

export function AdminOrganization() {
  const { id = '' } = useParams();
  const q = useAdminOrg(id);
  const navigate = useNavigate();
  const { suspend, resume, remove } = useOrgAdminMutations(id);
  const [dialog, setDialog] = useState<'suspend' | 'resume' | 'delete' | null>(null);
  const [note, setNote] = useState('');
  if (q.isPending) return <Loading what="Loading the organization" />;
  if (q.error)
    return q.error.status === 404 ? (
      <Empty title="There is no such organization (it may have been deleted).">
        <Link to="/admin/organizations">All organizations</Link>
      </Empty>
    ) : (
      <ErrorNote error={q.error} />
    );
  const o = q.data;
  const w = o.wallet;
  const byAdmin = w.suspensions.find((s) => s.reason === 'admin');
  const open = (d: typeof dialog) => (suspend.reset(), resume.reset(), remove.reset(), setDialog(d));
  return (
    <section className="stack" aria-labelledby="org-title">
      <div className="app-head">
        <div>
          <p className="crumbs muted small">
            <Link to="/admin/organizations">Organizations</Link> /
          </p>
          <h1 id="org-title">{o.name}</h1>
        </div>
        {o.personal && <span className="tag">personal</span>}
        {o.unbilled && <span className="tag">unbilled</span>}
        <span className="badge-row" data-testid="org-state">
          {w.suspensions.length === 0 ? (
            <span className="badge badge-running">active</span>
          ) : (
            w.suspensions.map((s) => (
              <span key={s.reason} className="badge badge-suspended" data-reason={s.reason} title={`since ${new Date(s.since).toLocaleString()}`}>
                {REASON_LABEL[s.reason] ?? `suspended (${s.reason})`} · {s.apps} app{s.apps === 1 ? '' : 's'}
              </span>
            ))
          )}
        </span>
        <div className="head-actions">
          {byAdmin ? (
            <button type="button" className="btn" onClick={() => open('resume')}>
              Resume…
            </button>
          ) : (
            <button type="button" className="btn btn-warn" onClick={() => open('suspend')}>
              Suspend…
            </button>
          )}
          {!o.personal && (
            <button type="button" className="btn btn-danger-outline" onClick={() => open('delete')}>
              Delete…
            </button>
          )}
        </div>
      </div>

      <div className="card">
        <h2>Wallet</h2>
        <div className="stats" data-testid="org-wallet">
          <div className={`stat ${w.balance <= 0 ? 'stat-bad' : w.low_balance ? 'stat-warn' : ''}`}>
            <span className="stat-label">Balance</span>
            <span className="stat-value" data-testid="org-balance">
              {formatMoney(w.balance)}
            </span>
          </div>
          <div className="stat">
            <span className="stat-label">Burn rate</span>
            <span className="stat-value">{perHour(w.burn_rate_per_hour)}</span>
          </div>
          <div className="stat">
            <span className="stat-label">Time left at this rate</span>
            <span className="stat-value">{formatHours(w.hours_left)}</span>
          </div>
        </div>
        <h3>Credit or adjust</h3>
        <WalletForm org={o} />
      </div>

      <div className="grid-2">
        <div className="card">
          <h2>Apps</h2>
          {o.apps.length === 0 ? (
            <p className="muted">No apps.</p>
          ) : (
            <DataTable testId="org-apps" columns={['App', 'Status', 'Plan', { label: 'Dynos', numeric: true }]}>
              {o.apps.map((a) => (
                <tr key={a.id} data-app={a.name}>
                  <td data-label="App">{a.name}</td>
                  <td data-label="Status">
                    <StatusBadge status={a.status} />
                  </td>
                  <td data-label="Plan">{a.plan}</td>
                  <td data-label="Dynos" className="num">
                    {a.dynos}
                  </td>
                </tr>
              ))}
            </DataTable>
          )}
        </div>
        <div className="card">
          <h2>Members</h2>
          <ul className="item-list" data-testid="org-members">
            {o.members.map((m) => (
              <li key={m.user.id}>
                <Link to={`/admin/users/${m.user.id}`}>{m.user.email}</Link>
                <span className="tag">{m.role}</span>
              </li>
            ))}
          </ul>
        </div>
      </div>

      <LedgerCard org={o.id} testId="org-ledger" />
      <OrgActivity org={o.id} />

      <ConfirmDialog open={dialog === 'suspend'} title={`Suspend ${o.name}?`} confirmLabel="Suspend organization" danger busy={suspend.isPending} error={suspend.error} onConfirm={() => suspend.mutate(note, { onSuccess: () => setDialog(null) })} onClose={() => setDialog(null)}>
        <p>
          Every app of {o.name} ({o.apps.length}) is stopped at once and stays stopped until you resume the organization. Its members can still sign in and see their apps, but cannot scale them. A top-up does not lift this suspension.
        </p>
        <label className="field">
          <span>Note (kept in the activity log)</span>
          <input value={note} onChange={(e) => setNote(e.target.value)} maxLength={500} placeholder="Why, e.g. abuse report #42" />
        </label>
      </ConfirmDialog>
      <ConfirmDialog open={dialog === 'resume'} title={`Resume ${o.name}?`} confirmLabel="Resume organization" busy={resume.isPending} error={resume.error} onConfirm={() => resume.mutate(undefined, { onSuccess: () => setDialog(null) })} onClose={() => setDialog(null)}>
        <p>
          Its apps get back the dynos they had when they were suspended
          {w.suspensions.some((s) => s.reason === 'wallet') ? <> — except that its wallet is empty too, so apps stopped for that stay stopped until the wallet is topped up</> : ''}.
        </p>
      </ConfirmDialog>
      <ConfirmDialog
        open={dialog === 'delete'}
        title={`Delete ${o.name}?`}
        confirmLabel="Delete this organization"
        danger
        confirmText={o.name}
        busy={remove.isPending}
        error={remove.error}
        onConfirm={() => remove.mutate(o.name, { onSuccess: () => navigate('/admin/organizations', { replace: true }) })}
        onClose={() => setDialog(null)}
      >
        <p>
          This removes {o.apps.length === 0 ? 'the organization' : <>its {o.apps.length} app{o.apps.length === 1 ? '' : 's'} ({o.apps.map((a) => a.name).join(', ')})</>} with their dynos, services, network, domains, slugs and logs, its {o.members.length} membership{o.members.length === 1 ? '' : 's'} and its wallet
          {w.balance !== 0 && <> (the balance of {formatMoney(w.balance)} is written off by a closing entry)</>}. The ledger is kept for accounting. This cannot be undone.
        </p>
      </ConfirmDialog>
    </section>
  );
}
