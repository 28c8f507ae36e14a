// Plans as the operator manages them: create, edit (a price change reaches running apps at their
// next formation change, as billing snapshots prices then), make default, deactivate (new apps
// cannot choose it; apps on it keep it), delete (refused while apps use it: the api's 409 is shown).
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { usePlanMutations, useAdminPlans, type PlanForm } from '../../api/admin';
import type { AdminPlan } from '../../api/types';
import { ConfirmDialog, ErrorNote, Loading } from '../../components/ui';
import { DataTable } from '../../components/QueryView';
import { perHour, perMonth } from '../../lib/money';

const MICRO = 1_000_000;

interface Fields {
  name: string;
  cpu: string;
  ram_mb: string;
  disk_gb: string;
  usd_per_hour: string;
  max_replicas: string;
}

const fieldsOf = (p?: AdminPlan): Fields =>
  p
    ? { name: p.name, cpu: String(p.cpu), ram_mb: String(p.ram_mb), disk_gb: String(p.disk_gb), usd_per_hour: String(p.price_per_hour / MICRO), max_replicas: String(p.max_replicas) }
    : { name: '', cpu: '1', ram_mb: '1024', disk_gb: '5', usd_per_hour: '0.05', max_replicas: '10' };

const toPlan = (f: Fields): PlanForm => ({
  name: f.name.trim(),
  cpu: Number(f.cpu),
  ram_mb: Number(f.ram_mb),
  disk_gb: Number(f.disk_gb),
  price_per_hour: Math.round(Number(f.usd_per_hour) * MICRO),
  max_replicas: Number(f.max_replicas),
});

function PlanEditor({ plan, onDone }: { plan?: AdminPlan; onDone: () => void }) {
  const { create, update } = usePlanMutations();
  const m = plan ? update : create;
  const { register, handleSubmit, watch, formState } = useForm<Fields>({ defaultValues: fieldsOf(plan) });
  const usd = Number(watch('usd_per_hour'));
  const num = (min: number, label: string, integer = true) => ({
    validate: (v: string) => {
      const n = Number(v);
      return (v.trim() !== '' && Number.isFinite(n) && n >= min && (!integer || Number.isInteger(n))) || `${label} must be ${integer ? 'a whole number' : 'a number'} of at least ${min}.`;
    },
  });
  const err = (k: keyof Fields) => formState.errors[k] && <small className="field-error">{formState.errors[k]?.message}</small>;
  return (
    <form
      className="card plan-editor"
      aria-label={plan ? `Edit plan ${plan.name}` : 'New plan'}
      onSubmit={handleSubmit((f) => (plan ? update.mutate({ name: plan.name, patch: toPlan(f) }, { onSuccess: onDone }) : create.mutate(toPlan(f), { onSuccess: onDone })))}
      noValidate
    >
      <h2>{plan ? `Edit ${plan.name}` : 'New plan'}</h2>
      <div className="form-grid">
        <label className="field">
          <span>Name</span>
          <input {...register('name', { validate: (v) => /^[a-z][a-z0-9-]{1,29}$/.test(v.trim()) || '2-30 lowercase letters, digits or dashes, starting with a letter.' })} aria-label="Plan name" spellCheck={false} />
          {err('name')}
        </label>
        <label className="field">
          <span>vCPU</span>
          <input inputMode="decimal" {...register('cpu', num(0.01, 'vCPU', false))} aria-label="vCPU" />
          {err('cpu')}
        </label>
        <label className="field">
          <span>Memory (MB)</span>
          <input inputMode="numeric" {...register('ram_mb', num(1, 'Memory'))} aria-label="Memory (MB)" />
          {err('ram_mb')}
        </label>
        <label className="field">
          <span>Disk (GB)</span>
          <input inputMode="numeric" {...register('disk_gb', num(1, 'Disk'))} aria-label="Disk (GB)" />
          {err('disk_gb')}
        </label>
        <label className="field">
          <span>Max dynos per process type</span>
          <input inputMode="numeric" {...register('max_replicas', num(1, 'Max dynos'))} aria-label="Max dynos per process type" />
          {err('max_replicas')}
        </label>
        <label className="field">
          <span>Price per dyno-hour (USD)</span>
          <input inputMode="decimal" {...register('usd_per_hour', num(0, 'The price', false))} aria-label="Price per hour (USD)" />
          {err('usd_per_hour')}
          <small className="muted">{Number.isFinite(usd) ? `${perHour(Math.round(usd * MICRO))} · ${perMonth(Math.round(usd * MICRO) * 730)} per dyno` : ' '}</small>
        </label>
      </div>
      {plan && <p className="muted small">A new price applies to each app on this plan from its next formation change (a scale, deploy or restart); until then it keeps the price it started with.</p>}
      <ErrorNote error={m.error} />
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={m.isPending}>
          {m.isPending ? 'Saving…' : plan ? 'Save plan' : 'Create plan'}
        </button>
        <button type="button" className="btn" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

export function AdminPlans() {
  const plans = useAdminPlans();
  const { update, remove } = usePlanMutations();
  const [editing, setEditing] = useState<AdminPlan | 'new' | null>(null);
  const [deleting, setDeleting] = useState<AdminPlan | null>(null);
  if (plans.isPending) return <Loading what="Loading plans" />;
  if (plans.error) return <ErrorNote error={plans.error} />;
  const current = deleting && plans.data.find((p) => p.id === deleting.id);
  const list = [...plans.data].sort((a, b) => a.price_per_hour - b.price_per_hour || a.name.localeCompare(b.name));
  return (
    <section className="stack" aria-labelledby="plans-title">
      <div className="card-head">
        <h1 id="plans-title">Plans</h1>
        <button type="button" className="btn btn-primary" onClick={() => setEditing('new')}>
          New plan
        </button>
      </div>
      {editing && <PlanEditor key={editing === 'new' ? 'new' : editing.id} plan={editing === 'new' ? undefined : editing} onDone={() => setEditing(null)} />}
      <div className="card">
        <ErrorNote error={update.error} />
        <DataTable testId="admin-plans" columns={['Plan', 'Limits', { label: 'Price per dyno', numeric: true }, { label: 'Apps', numeric: true }, 'State']} actions>
          {list.map((p) => (
            <tr key={p.id} data-plan={p.name} className={p.active ? '' : 'row-off'}>
              <th scope="row">
                {p.name} {p.default && <span className="tag tag-ok">default</span>}
              </th>
              <td data-label="Limits" className="small">
                {p.cpu} vCPU · {p.ram_mb >= 1024 ? `${+(p.ram_mb / 1024).toFixed(1)} GB` : `${p.ram_mb} MB`} RAM · {p.disk_gb} GB disk
                <div className="muted">up to {p.max_replicas} dynos per process type</div>
              </td>
              <td data-label="Price per dyno" className="num">
                {perHour(p.price_per_hour)}
                <div className="muted small">{perMonth(p.price_per_month)}</div>
              </td>
              <td data-label="Apps" className="num">
                {p.apps_count}
              </td>
              <td data-label="State">{p.active ? <span className="badge badge-running">active</span> : <span className="badge badge-stopped">inactive</span>}</td>
              <td className="row-actions nowrap">
                <button type="button" className="btn btn-small" onClick={() => setEditing(p)} aria-label={`Edit ${p.name}`}>
                  Edit
                </button>
                {!p.default && p.active && (
                  <button type="button" className="btn btn-small" disabled={update.isPending} onClick={() => update.mutate({ name: p.name, patch: { default: true } })} aria-label={`Make ${p.name} the default`}>
                    Make default
                  </button>
                )}
                {!p.default && (
                  <button type="button" className="btn btn-small" disabled={update.isPending} onClick={() => update.mutate({ name: p.name, patch: { active: !p.active } })} aria-label={`${p.active ? 'Deactivate' : 'Activate'} ${p.name}`}>
                    {p.active ? 'Deactivate' : 'Activate'}
                  </button>
                )}
                {!p.default && (
                  <button type="button" className="btn btn-small btn-danger-outline" onClick={() => (remove.reset(), setDeleting(p), void plans.refetch())} aria-label={`Delete ${p.name}`}>
                    Delete
                  </button>
                )}
              </td>
            </tr>
          ))}
        </DataTable>
        <p className="muted small">New apps get the default plan unless they choose another active one. An inactive plan is not offered to new apps; apps already on it keep it.</p>
      </div>
      <ConfirmDialog open={!!deleting} title={`Delete plan ${deleting?.name ?? ''}?`} confirmLabel="Delete plan" danger busy={remove.isPending} error={remove.error} onConfirm={() => deleting && remove.mutate(deleting.name, { onSuccess: () => setDeleting(null) })} onClose={() => setDeleting(null)}>
        <p>
          {current?.apps_count ? `${current.apps_count} app${current.apps_count === 1 ? ' uses' : 's use'} this plan: Slipway will refuse to delete it. Deactivate it instead, or move the apps first.` : 'No app uses this plan. It is removed for good.'}
        </p>
      </ConfirmDialog>
    </section>
  );
}
