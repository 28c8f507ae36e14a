import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { useNavigate } from 'react-router';
import { useAppMutations } from '../../api/mutations';
import type { App } from '../../api/types';
import { ConfirmDialog, ErrorNote } from '../../components/ui';
import { appNameProblem } from '../../lib/app-name';
import { useAppCtx } from './AppPage';


function Maintenance({ app, canDeploy }: { app: App; canDeploy: boolean }) {
  const { update: patch } = useAppMutations(app.name);
  return (
    <div className="card">
      <h2>Maintenance mode</h2>
      <p className="muted">While it is on, every request to the app gets a “down for maintenance” page (HTTP 503); dynos keep running.</p>
      <div className="switch-row">
        <span>
          Maintenance is <strong data-testid="maintenance-state">{app.maintenance ? 'on' : 'off'}</strong>
        </span>
        {canDeploy && (
          <button type="button" className={`btn ${app.maintenance ? '' : 'btn-warn'}`} role="switch" aria-checked={app.maintenance} disabled={patch.isPending} onClick={() => patch.mutate({ maintenance: !app.maintenance })}>
            {patch.isPending ? 'Saving…' : app.maintenance ? 'Turn maintenance off' : 'Turn maintenance on'}
          </button>
        )}
      </div>
      <ErrorNote error={patch.error} />
    </div>
  );
}

function HealthCheck({ app, canDeploy }: { app: App; canDeploy: boolean }) {
  const { update: patch } = useAppMutations(app.name);
  const { register, handleSubmit, formState } = useForm<{ path: string }>({ values: { path: app.health_check_path ?? '' } });
  return (
    <div className="card">
      <h2>Health check</h2>
      <p className="muted">A deploy switches traffic to new dynos once this path answers 2xx/3xx. Empty: Slipway waits for the port to accept connections.</p>
      <form className="inline-form" onSubmit={handleSubmit((f) => patch.mutate({ health_check_path: f.path.trim() || null }))} noValidate>
        <label className="field grow">
          <span>Health check path</span>
          <input
            {...register('path', { validate: (v) => !v.trim() || /^\/\S{0,199}$/.test(v.trim()) || 'A path starting with “/”, e.g. /healthz.' })}
            placeholder="/healthz"
            readOnly={!canDeploy}
            spellCheck={false}
            aria-invalid={!!formState.errors.path}
          />
          {formState.errors.path && <small className="field-error">{formState.errors.path.message}</small>}
        </label>
        {canDeploy && (
          <button type="submit" className="btn btn-primary" disabled={patch.isPending || !formState.isDirty}>
            {patch.isPending ? 'Saving…' : 'Save'}
          </button>
        )}
      </form>
      {patch.isSuccess && !formState.isDirty && (
        <p className="ok-note" role="status">
          Saved.
        </p>
      )}
      <ErrorNote error={patch.error} />
    </div>
  );
}

function Rename({ app }: { app: App }) {
  const { update: patch } = useAppMutations(app.name);
  const navigate = useNavigate();
  const { register, handleSubmit, watch } = useForm<{ name: string }>({ values: { name: app.name }, mode: 'onChange' });
  const name = watch('name').trim();
  const problem = appNameProblem(name) ?? (name.length < 2 ? 'At least 2 characters.' : null);
  return (
    <div className="card">
      <h2>Name</h2>
      <p className="muted">Renaming changes the web URL and the git URL: update your git remote afterwards.</p>
      <form
        className="inline-form"
        onSubmit={handleSubmit((f) =>
          patch.mutate(
            { name: f.name.trim() },
            {
              onSuccess: (updated) => navigate(`/app/${encodeURIComponent(updated.name)}/settings`, { replace: true }),
            },
          ),
        )}
        noValidate
      >
        <label className="field grow">
          <span>App name</span>
          <input {...register('name')} autoComplete="off" spellCheck={false} aria-invalid={!!problem} aria-describedby="rename-help" />
          <small id="rename-help" className={problem ? 'field-error' : 'muted'} aria-live="polite">
            {problem ?? ' '}
          </small>
        </label>
        <button type="submit" className="btn btn-primary" disabled={patch.isPending || !!problem || name === app.name}>
          {patch.isPending ? 'Renaming…' : 'Rename'}
        </button>
      </form>
      <ErrorNote error={patch.error} />
    </div>
  );
}

function DeleteApp({ app }: { app: App }) {
  const [open, setOpen] = useState(false);
  const navigate = useNavigate();
  const { remove: del } = useAppMutations(app.name);
  return (
    <div className="card card-danger">
      <h2>Delete app</h2>
      <p className="muted">Stops every dyno and removes the app, its releases, config vars, domains and git repository. This cannot be undone.</p>
      <button type="button" className="btn btn-danger" onClick={() => (del.reset(), setOpen(true))}>
        Delete {app.name}…
      </button>
      <ConfirmDialog open={open} title={`Delete ${app.name}?`} confirmLabel="Delete this app" danger confirmText={app.name} busy={del.isPending} error={del.error} onConfirm={() => del.mutate(undefined, { onSuccess: () => (setOpen(false), navigate('/', { replace: true })) })} onClose={() => setOpen(false)}>
        <p>
          Everything about <strong>{app.name}</strong> is removed: its dynos stop, its URL stops answering, its releases and config vars are gone.
        </p>
      </ConfirmDialog>
    </div>
  );
}

export function SettingsTab() {
  const { app, canDeploy, canDelete } = useAppCtx();
  return (
    <div className="stack">
      <Maintenance app={app} canDeploy={canDeploy} />
      <HealthCheck app={app} canDeploy={canDeploy} />
      {canDeploy && <Rename app={app} />}
      {canDelete && <DeleteApp app={app} />}
      {!canDeploy && <p className="muted">Your role (viewer) can look at this app's settings but not change them.</p>}
    </div>
  );
}
