import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { useConfig } from '../../api/queries';
import { useConfigMutations } from '../../api/mutations';
import { ConfirmDialog, Empty, ErrorNote, Loading } from '../../components/ui';
import { useAppCtx } from './AppPage';

const KEY_RE = /^[A-Z_][A-Z0-9_]*$/;
const MASK = '••••••••';


interface AddForm {
  key: string;
  value: string;
}

function AddVar({ app, existing, onSaved }: { app: string; existing: Record<string, string>; onSaved: (msg: string) => void }) {
  const { register, handleSubmit, reset, watch, formState } = useForm<AddForm>({ defaultValues: { key: '', value: '' }, mode: 'onChange' });
  const { patch: save } = useConfigMutations(app);
  const key = watch('key');
  const replacing = key && key in existing;
  return (
    <form
      className="config-add"
      onSubmit={handleSubmit((f) =>
        save.mutate(
          { [f.key]: f.value },
          {
            onSuccess: () => {
              reset();
              onSaved(`Saved ${f.key}. A new release was created and the app restarts with it.`);
            },
          },
        ),
      )}
      noValidate
    >
      <label className="field">
        <span>Key</span>
        <input
          {...register('key', {
            required: 'Give the variable a name.',
            // keys are upper case: shown upper case while typing (CSS) and sent upper case
            setValueAs: (v: string) => v.toUpperCase().trim(),
            validate: (v) => (KEY_RE.test(v) && v.length <= 128) || 'Uppercase letters, digits and underscores; not starting with a digit.',
          })}
          placeholder="DATABASE_URL"
          autoComplete="off"
          spellCheck={false}
          aria-invalid={!!formState.errors.key}
          className="upper"
        />
        {formState.errors.key && <small className="field-error">{formState.errors.key.message}</small>}
        {replacing && <small className="muted">{key} exists; saving replaces its value.</small>}
      </label>
      <label className="field grow">
        <span>Value</span>
        <textarea {...register('value')} rows={2} placeholder="value (may span several lines)" spellCheck={false} />
      </label>
      <div className="config-add-actions">
        <button type="submit" className="btn btn-primary" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Add'}
        </button>
      </div>
      <ErrorNote error={save.error} />
    </form>
  );
}

function VarRow({ app, name, value, canEdit, revealAll, onSaved, onDelete }: { app: string; name: string; value: string; canEdit: boolean; revealAll: boolean; onSaved: (msg: string) => void; onDelete: () => void }) {
  const [revealed, setRevealed] = useState(false);
  const [editing, setEditing] = useState(false);
  const { register, handleSubmit } = useForm<{ value: string }>({ values: { value } });
  const { patch: save } = useConfigMutations(app);
  const saved = () => {
    setEditing(false);
    onSaved(`Saved ${name}. A new release was created and the app restarts with it.`);
  };
  const show = canEdit && (revealed || revealAll);
  return (
    <li className="config-row" data-key={name}>
      <span className="config-key mono">{name}</span>
      {editing ? (
        <form className="config-edit" onSubmit={handleSubmit((f) => save.mutate({ [name]: f.value }, { onSuccess: saved }))}>
          <textarea {...register('value')} rows={Math.min(8, Math.max(2, value.split('\n').length))} aria-label={`Value of ${name}`} autoFocus spellCheck={false} />
          <div className="row-actions">
            <button type="submit" className="btn btn-primary btn-small" disabled={save.isPending}>
              {save.isPending ? 'Saving…' : 'Save'}
            </button>
            <button type="button" className="btn btn-small" onClick={() => (save.reset(), setEditing(false))}>
              Cancel
            </button>
          </div>
          <ErrorNote error={save.error} />
        </form>
      ) : (
        <>
          <span className={`config-value mono ${show ? '' : 'masked'}`} data-testid="config-value">
            {show ? value : MASK}
          </span>
          <span className="row-actions">
            {canEdit && (
              <>
                <button type="button" className="btn btn-small" onClick={() => setRevealed((r) => !r)} aria-pressed={show} aria-label={`${show ? 'Hide' : 'Reveal'} ${name}`}>
                  {show ? 'Hide' : 'Reveal'}
                </button>
                <button type="button" className="btn btn-small" onClick={() => setEditing(true)} aria-label={`Edit ${name}`}>
                  Edit
                </button>
                <button type="button" className="btn btn-small btn-danger-outline" onClick={onDelete} aria-label={`Delete ${name}`}>
                  Delete
                </button>
              </>
            )}
          </span>
        </>
      )}
    </li>
  );
}

export function ConfigTab() {
  const { app, canDeploy } = useAppCtx();
  const config = useConfig(app.name);
  const [revealAll, setRevealAll] = useState(false);
  const [notice, setNotice] = useState('');
  const [deleting, setDeleting] = useState<string | null>(null);
  const { patch: del } = useConfigMutations(app.name);
  const removed = () => {
    setNotice(`Removed ${deleting}. A new release was created and the app restarts with it.`);
    setDeleting(null);
  };

  if (config.isPending) return <Loading what="Loading config vars" />;
  if (config.error) return <ErrorNote error={config.error} />;
  const vars = config.data.vars;
  const names = Object.keys(vars).sort();
  const canEdit = canDeploy && !config.data.masked;

  return (
    <div className="card">
      <div className="card-head">
        <h2>Config vars</h2>
        {canEdit && names.length > 0 && (
          <button type="button" className="btn btn-small" onClick={() => setRevealAll((r) => !r)} aria-pressed={revealAll}>
            {revealAll ? 'Hide all values' : 'Reveal all values'}
          </button>
        )}
      </div>
      <p className="muted small">
        Config vars are the app's environment. {canEdit ? 'Each save creates a new release and restarts the app’s dynos with it.' : 'Your role can see which variables exist but not their values or change them.'}
      </p>
      {notice && (
        <p className="ok-note" role="status">
          {notice}
        </p>
      )}
      {names.length === 0 ? (
        <Empty title="No config vars yet." />
      ) : (
        <ul className="config-list" data-testid="config-vars">
          {names.map((n) => (
            <VarRow key={n} app={app.name} name={n} value={vars[n]!} canEdit={canEdit} revealAll={revealAll} onSaved={setNotice} onDelete={() => (del.reset(), setDeleting(n))} />
          ))}
        </ul>
      )}
      {canEdit && (
        <>
          <h3>Add a config var</h3>
          <AddVar app={app.name} existing={vars} onSaved={setNotice} />
        </>
      )}
      <ConfirmDialog
        open={!!deleting}
        title={`Remove ${deleting ?? ''}?`}
        confirmLabel="Remove"
        danger
        busy={del.isPending}
        error={del.error}
        onConfirm={() => deleting && del.mutate({ [deleting]: null }, { onSuccess: removed })}
        onClose={() => setDeleting(null)}
      >
        <p>
          The app loses <span className="mono">{deleting}</span> from its environment. This creates a new release and restarts its dynos.
        </p>
      </ConfirmDialog>
    </div>
  );
}
