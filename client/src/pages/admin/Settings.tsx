// Platform settings, rendered from the catalog the api describes (any setting, whoever declared
// it): grouped, each with the field its schema calls for — a switch, a number, a choice, text, or
// a write-only field for secrets ("set" / "not set", never shown) — validated by the api on save
// and recorded in the activity log. The object store and the Docker endpoint have a "Test
// connection" that tries the values in the form before they are saved.
import { useMemo, useState } from 'react';
import { useSettingsCatalog, useSettingsMutations } from '../../api/admin';
import type { DockerProbe, ObjectStoreProbe, Setting } from '../../api/types';
import { ErrorNote, Loading } from '../../components/ui';

const GROUPS: Record<string, { title: string; blurb: string }> = {
  accounts: { title: 'Accounts', blurb: 'Who may create an account.' },
  platform: { title: 'Platform', blurb: 'Limits and defaults for every organization.' },
  billing: { title: 'Billing', blurb: 'Hourly billing of the wallets.' },
  builds: { title: 'Builds', blurb: 'How builds run.' },
  object_store: { title: 'Object store', blurb: 'Where slugs, build sources and build logs are kept. Used by the api and the worker within seconds of a save.' },
  runtime: { title: 'Runtime', blurb: 'Where and how apps run.' },
  edge: { title: 'Edge', blurb: 'How traffic reaches apps.' },
  domains: { title: 'Domains', blurb: 'App hostnames and certificates.' },
  nodes: { title: 'Nodes', blurb: 'Worker machines of the cluster.' },
  logs: { title: 'Logs', blurb: 'How much app log output is kept.' },
};
const ORDER = Object.keys(GROUPS);

// settings this page knows a natural order for; any other keeps the catalog's order after them
const FIRST = ['object_store_kind', 's3_endpoint', 's3_region', 's3_bucket', 's3_access_key_id', 's3_secret_access_key', 'docker_host'];
const rank = (key: string) => (FIRST.includes(key) ? FIRST.indexOf(key) : FIRST.length);

const label = (key: string) =>
  key
    .replace(/_/g, ' ')
    .replace(/^./, (c) => c.toUpperCase())
    .replace(/\bs3\b/gi, 'S3')
    .replace(/\bid\b/g, 'ID');
type Draft = Record<string, string | boolean>;

const draftOf = (s: Setting): string | boolean => (s.secret ? '' : s.input.type === 'boolean' ? s.value === true : s.input.type === 'json' ? JSON.stringify(s.value) : s.value === null || s.value === undefined ? '' : String(s.value));

/** The value to send for a field, or undefined when it has not changed. */
function changed(s: Setting, v: string | boolean | undefined): { value: unknown } | undefined {
  if (v === undefined) return undefined;
  if (s.secret) return v === '' ? undefined : { value: v };
  if (v === draftOf(s)) return undefined;
  if (s.input.type === 'boolean') return { value: v };
  if (s.input.type === 'number') return { value: v === '' ? null : Number(v) };
  if (s.input.type === 'json') {
    try {
      return { value: JSON.parse(String(v)) };
    } catch {
      return { value: String(v) }; // the api names the rule
    }
  }
  return { value: v };
}

function Field({ s, value, onChange, onReset }: { s: Setting; value: string | boolean; onChange: (v: string | boolean) => void; onReset: () => void }) {
  const id = `setting-${s.key}`;
  const input = s.input;
  const long = input.type === 'string' && (input.maxLength ?? 0) > 1000;
  let control;
  if (input.type === 'boolean') {
    control = (
      <button type="button" id={id} role="switch" aria-checked={value === true} aria-label={label(s.key)} className={`switch ${value === true ? 'on' : ''}`} onClick={() => onChange(value !== true)}>
        <span className="switch-knob" />
        <span className="switch-text">{value === true ? 'On' : 'Off'}</span>
      </button>
    );
  } else if (input.type === 'enum') {
    control = (
      <select id={id} value={String(value)} onChange={(e) => onChange(e.target.value)}>
        {input.options.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
    );
  } else if (input.type === 'number') {
    control = <input id={id} type="number" value={String(value)} min={input.minimum} max={input.maximum} step={input.integer ? 1 : 'any'} onChange={(e) => onChange(e.target.value)} className="input-num" />;
  } else if (s.secret && long) {
    // a long secret (a PEM chain and key) keeps its lines: a textarea, still never filled from the server
    control = <textarea id={id} rows={4} value={String(value)} placeholder={s.is_set ? 'set — paste to replace' : 'not set'} onChange={(e) => onChange(e.target.value)} spellCheck={false} autoComplete="off" />;
  } else if (s.secret) {
    control = <input id={id} type="password" value={String(value)} autoComplete="new-password" placeholder={s.is_set ? 'set — type to replace' : 'not set'} onChange={(e) => onChange(e.target.value)} />;
  } else if (input.type === 'json') {
    control = <textarea id={id} rows={2} value={String(value)} onChange={(e) => onChange(e.target.value)} spellCheck={false} />;
  } else if (long) {
    control = <textarea id={id} rows={4} value={String(value)} onChange={(e) => onChange(e.target.value)} spellCheck={false} />;
  } else {
    control = <input id={id} value={String(value)} maxLength={input.maxLength} onChange={(e) => onChange(e.target.value)} spellCheck={false} />;
  }
  return (
    <div className="setting" data-setting={s.key}>
      <div className="setting-text">
        <label htmlFor={id} className="setting-label">
          {label(s.key)}
        </label>
        <p className="muted small">{s.description}</p>
        <p className="setting-meta small">
          <code>{s.key}</code>
          {s.secret ? <span className={`tag ${s.is_set ? 'tag-ok' : ''}`}>{s.is_set ? 'set' : 'not set'}</span> : s.is_default ? <span className="tag">default</span> : <span className="tag tag-ok">changed</span>}
          {s.takes_effect === 'restart' && <span className="tag tag-warn">applies after a restart</span>}
          {!s.is_default && (
            <button type="button" className="link-button" onClick={onReset}>
              {s.secret ? 'clear' : 'reset to default'}
            </button>
          )}
        </p>
      </div>
      <div className="setting-control">{control}</div>
    </div>
  );
}

function ProbeResult({ r }: { r: { ok: boolean; message: string } | undefined }) {
  if (!r) return null;
  return (
    <p className={r.ok ? 'ok-note' : 'error-note'} role="status" data-testid="probe-result">
      {r.message}
    </p>
  );
}

function Group({ group, settings }: { group: string; settings: Setting[] }) {
  const { save, testObjectStore, testDocker } = useSettingsMutations();
  const [draft, setDraft] = useState<Draft>({});
  const [saved, setSaved] = useState('');
  const value = (s: Setting) => (s.key in draft ? draft[s.key]! : draftOf(s));
  const patch = Object.fromEntries(settings.flatMap((s) => (changed(s, draft[s.key]) ? [[s.key, changed(s, draft[s.key])!.value]] : [])));
  const dirty = Object.keys(patch).length > 0;
  const meta = GROUPS[group] ?? { title: label(group), blurb: '' };
  const submit = (p: Record<string, unknown>) => {
    setSaved('');
    save.mutate(p, { onSuccess: () => (setDraft({}), setSaved(`Saved ${Object.keys(p).map(label).join(', ')}.`)) });
  };
  const objectStoreValues = () =>
    Object.fromEntries(settings.filter((s) => s.group === 'object_store').flatMap((s) => (s.secret ? (draft[s.key] ? [[s.key, draft[s.key]]] : []) : [[s.key, changed(s, draft[s.key])?.value ?? s.value]])));
  const docker = settings.find((s) => s.key === 'docker_host');
  return (
    <form className="card settings-group" aria-labelledby={`group-${group}`} data-group={group} onSubmit={(e) => (e.preventDefault(), submit(patch))}>
      <h2 id={`group-${group}`}>{meta.title}</h2>
      {meta.blurb && <p className="muted">{meta.blurb}</p>}
      {settings.map((s) => (
        <Field key={s.key} s={s} value={value(s)} onChange={(v) => setDraft({ ...draft, [s.key]: v })} onReset={() => submit({ [s.key]: null })} />
      ))}
      <ErrorNote error={save.error} />
      {saved && !dirty && (
        <p className="ok-note" role="status">
          {saved}
        </p>
      )}
      {group === 'object_store' && (
        <>
          <ErrorNote error={testObjectStore.error} />
          <ProbeResult r={testObjectStore.data as ObjectStoreProbe | undefined} />
        </>
      )}
      {docker && (
        <>
          <ErrorNote error={testDocker.error} />
          <ProbeResult r={testDocker.data as DockerProbe | undefined} />
        </>
      )}
      <div className="form-actions">
        <button type="submit" className="btn btn-primary" disabled={!dirty || save.isPending}>
          {save.isPending ? 'Saving…' : `Save ${meta.title.toLowerCase()}`}
        </button>
        {dirty && (
          <button type="button" className="btn" onClick={() => setDraft({})}>
            Undo
          </button>
        )}
        {group === 'object_store' && (
          <button type="button" className="btn" disabled={testObjectStore.isPending} onClick={() => testObjectStore.mutate(objectStoreValues())}>
            {testObjectStore.isPending ? 'Testing…' : 'Test connection'}
          </button>
        )}
        {docker && (
          <button type="button" className="btn" disabled={testDocker.isPending} onClick={() => testDocker.mutate(String(value(docker)))}>
            {testDocker.isPending ? 'Testing…' : 'Test Docker connection'}
          </button>
        )}
      </div>
    </form>
  );
}

export function AdminSettings() {
  const catalog = useSettingsCatalog();
  const groups = useMemo(() => {
    const m = new Map<string, Setting[]>();
    for (const s of catalog.data ?? []) m.set(s.group, [...(m.get(s.group) ?? []), s]);
    for (const list of m.values()) list.sort((a, b) => rank(a.key) - rank(b.key));
    return [...m].sort((a, b) => (ORDER.indexOf(a[0]) + 1 || 99) - (ORDER.indexOf(b[0]) + 1 || 99));
  }, [catalog.data]);
  if (catalog.isPending) return <Loading what="Loading settings" />;
  if (catalog.error) return <ErrorNote error={catalog.error} />;
  return (
    <section className="stack" aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <p className="muted">Stored in the database and used by every process within seconds; each save is recorded in the activity log. Environment variables only give first-boot defaults.</p>
      {groups.map(([group, settings]) => (
        <Group key={group} group={group} settings={settings} />
      ))}
    </section>
  );
}
