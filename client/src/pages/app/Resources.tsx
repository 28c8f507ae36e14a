import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { useDynos, useFormation, usePlans } from '../../api/queries';
import { useFormationMutations } from '../../api/mutations';
import type { App, Formation, Plan } from '../../api/types';
import { ConfirmDialog, Empty, ErrorNote, Loading } from '../../components/ui';
import { DataTable, QueryView } from '../../components/QueryView';
import { HOURS_PER_MONTH, perHour, perMonth } from '../../lib/money';
import { DynoList } from './Overview';
import { useAppCtx } from './AppPage';

interface ScaleForm {
  q: Record<string, number>;
  plan: string;
}

function clamp(n: number, max: number) {
  if (!Number.isFinite(n)) return 0;
  return Math.min(max, Math.max(0, Math.round(n)));
}

function ScaleEditor({ app, formation, plans, canDeploy }: { app: App; formation: Formation[]; plans: Plan[]; canDeploy: boolean }) {
  const currentPlan = plans.find((p) => p.id === app.plan.id) ?? (app.plan.name ? (app.plan as Plan) : undefined);
  const initial: ScaleForm = { q: Object.fromEntries(formation.map((f) => [f.type, f.quantity])), plan: currentPlan?.name ?? '' };
  const { register, handleSubmit, watch, setValue, reset, formState } = useForm<ScaleForm>({ values: initial });
  const [notice, setNotice] = useState('');
  const { resize: save } = useFormationMutations(app.name);
  // one request with the plan and the quantities: the server checks them against the plan the app ends up on
  const submit = (f: ScaleForm) => {
    const planChanged = !!f.plan && f.plan !== currentPlan?.name;
    const updates = formation.filter((x) => Number(f.q[x.type]) !== x.quantity).map((x) => ({ type: x.type, quantity: Number(f.q[x.type]) }));
    save.mutate(
      { ...(planChanged ? { plan: f.plan } : {}), updates },
      {
        onSuccess: () =>
          setNotice(
            [updates.length ? `Scaled ${updates.map((u) => `${u.type} to ${u.quantity}`).join(', ')}.` : '', planChanged ? 'Plan changed; the app redeploys with the new limits.' : '']
              .filter(Boolean)
              .join(' '),
          ),
      },
    );
  };

  const q = watch('q');
  const planName = watch('plan');
  const plan = plans.find((p) => p.name === planName) ?? currentPlan;
  const max = plan?.max_replicas ?? 1;
  const total = formation.reduce((n, f) => n + clamp(Number(q?.[f.type] ?? f.quantity), 1000), 0);
  const hourly = plan ? plan.price_per_hour * total : 0;
  const dirty = formation.some((f) => Number(q?.[f.type]) !== f.quantity) || (!!planName && planName !== currentPlan?.name);

  return (
    <form onSubmit={handleSubmit((f) => (setNotice(''), submit(f)))} noValidate>
      <DataTable testId="formation" className="scale-table" columns={['Process type', 'Command', 'Quantity']}>
        {formation.map((f) => {
          const v = clamp(Number(q?.[f.type] ?? f.quantity), 1000);
          return (
            <tr key={f.type} data-type={f.type}>
              <td data-label="Type">
                <strong>{f.type}</strong>
              </td>
              <td data-label="Command" className="mono small">
                {f.command}
              </td>
              <td data-label="Quantity">
                {canDeploy ? (
                  <div className="stepper">
                    <button type="button" className="btn btn-small" aria-label={`One fewer ${f.type}`} disabled={v <= 0} onClick={() => setValue(`q.${f.type}`, v - 1, { shouldDirty: true })}>
                      −
                    </button>
                    <input
                      type="number"
                      min={0}
                      max={max}
                      inputMode="numeric"
                      aria-label={`${f.type} quantity`}
                      {...register(`q.${f.type}`, { valueAsNumber: true, min: { value: 0, message: 'At least 0.' }, max: { value: max, message: `The ${plan?.name ?? ''} plan allows at most ${max} per process type.` } })}
                    />
                    <button type="button" className="btn btn-small" aria-label={`One more ${f.type}`} disabled={v >= max} onClick={() => setValue(`q.${f.type}`, v + 1, { shouldDirty: true })}>
                      +
                    </button>
                    <span className="muted small">max {max}</span>
                  </div>
                ) : (
                  <span>{f.quantity}</span>
                )}
                {formState.errors.q?.[f.type] && <small className="field-error">{formState.errors.q[f.type]?.message}</small>}
              </td>
            </tr>
          );
        })}
      </DataTable>

      <div className="plan-row">
        <label className="field">
          <span>Plan</span>
          {canDeploy ? (
            <select {...register('plan')} aria-label="Plan">
              {plans.map((p) => (
                <option key={p.id} value={p.name}>
                  {p.name} — {p.cpu} vCPU, {p.ram_mb} MB, {perHour(p.price_per_hour)} per dyno
                </option>
              ))}
            </select>
          ) : (
            <span>{currentPlan?.name}</span>
          )}
        </label>
        <div className="estimate" aria-live="polite" data-testid="estimate">
          <span className="muted small">Estimated cost</span>
          <strong>{perMonth(hourly * HOURS_PER_MONTH)}</strong>
          <span className="muted small">
            {total} dyno{total === 1 ? '' : 's'} × {plan ? perHour(plan.price_per_hour) : '—'} = {perHour(hourly)}
          </span>
        </div>
      </div>
      <ErrorNote error={save.error} />
      {notice && (
        <p className="ok-note" role="status">
          {notice}
        </p>
      )}
      {canDeploy && (
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={!dirty || save.isPending}>
            {save.isPending ? 'Saving…' : 'Save changes'}
          </button>
          <button type="button" className="btn" disabled={!dirty || save.isPending} onClick={() => reset(initial)}>
            Undo
          </button>
        </div>
      )}
    </form>
  );
}

export function ResourcesTab() {
  const { app, canDeploy } = useAppCtx();
  const formation = useFormation(app.name);
  const plans = usePlans();
  const dynos = useDynos(app.name);
  const [restartOpen, setRestartOpen] = useState(false);
  const { restart } = useFormationMutations(app.name);

  return (
    <div className="stack">
      <div className="card">
        <h2>Process types</h2>
        {formation.isPending || plans.isPending ? (
          <Loading />
        ) : formation.error || plans.error ? (
          <ErrorNote error={formation.error ?? plans.error} />
        ) : formation.data.length === 0 ? (
          <Empty title="No process types yet.">
            <p className="muted">They come from the Procfile (or the buildpack's defaults) on the first deploy.</p>
          </Empty>
        ) : (
          <ScaleEditor app={app} formation={formation.data} plans={plans.data} canDeploy={canDeploy} />
        )}
      </div>
      <div className="card">
        <div className="card-head">
          <h2>Dynos</h2>
          {canDeploy && (dynos.data?.length ?? 0) > 0 && (
            <button type="button" className="btn btn-small" onClick={() => (restart.reset(), setRestartOpen(true))}>
              Restart all
            </button>
          )}
        </div>
        <QueryView query={dynos} empty={<p className="muted">No dynos running.</p>}>
          {(list) => <DynoList dynos={list} />}
        </QueryView>
      </div>
      <ConfirmDialog open={restartOpen} title="Restart all dynos?" confirmLabel="Restart" busy={restart.isPending} error={restart.error} onConfirm={() => restart.mutate(undefined, { onSuccess: () => setRestartOpen(false) })} onClose={() => setRestartOpen(false)}>
        <p>Every dyno of {app.name} is stopped and started again on the current release.</p>
      </ConfirmDialog>
    </div>
  );
}
