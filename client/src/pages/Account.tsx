import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { useSession, useSshKeys, useTokens } from '../api/queries';
import { useOrgMutations, useSshKeyMutations, useTokenMutations } from '../api/mutations';
import type { ApiToken, NewToken, SshKey } from '../api/types';
import { ConfirmDialog, CopyButton, Empty, ErrorNote, TimeAgo } from '../components/ui';
import { QueryView } from '../components/QueryView';
import { useCurrentOrg } from '../lib/current-org';

function SshKeys() {
  const list = useSshKeys();
  const [removing, setRemoving] = useState<SshKey | null>(null);
  const { register, handleSubmit, reset, formState } = useForm<{ key: string }>({ defaultValues: { key: '' } });
  const { add, remove } = useSshKeyMutations();
  return (
    <div className="card">
      <h2>SSH keys</h2>
      <p className="muted">A registered public key lets you push over SSH.</p>
      <QueryView query={list} empty={<Empty title="No SSH keys." />}>
        {(keys) => (
          <ul className="item-list" data-testid="ssh-keys">
            {keys.map((k) => (
              <li key={k.id}>
                <div>
                  <strong>{k.comment || 'key'}</strong>
                  <div className="mono small muted">{k.fingerprint}</div>
                  <div className="muted small">
                    added <TimeAgo iso={k.created_at} />
                  </div>
                </div>
                <button type="button" className="btn btn-small btn-danger-outline" onClick={() => (remove.reset(), setRemoving(k))} aria-label={`Remove key ${k.fingerprint}`}>
                  Remove
                </button>
              </li>
            ))}
          </ul>
        )}
      </QueryView>
      <form onSubmit={handleSubmit((f) => add.mutate(f.key, { onSuccess: () => reset() }))} noValidate>
        <label className="field">
          <span>Add a public key</span>
          <textarea
            rows={3}
            {...register('key', { required: 'Paste a public key.', validate: (v) => /^(ssh-(ed25519|rsa|dss)|ecdsa-sha2-\S+|sk-\S+)\s+\S+/.test(v.trim()) || 'Paste the contents of a .pub file, e.g. ssh-ed25519 AAAA… you@host.' })}
            placeholder="ssh-ed25519 AAAAC3Nza… you@laptop"
            spellCheck={false}
            aria-invalid={!!formState.errors.key}
          />
          {formState.errors.key && <small className="field-error">{formState.errors.key.message}</small>}
        </label>
        <ErrorNote error={add.error} />
        <button type="submit" className="btn btn-primary" disabled={add.isPending}>
          {add.isPending ? 'Adding…' : 'Add key'}
        </button>
      </form>
      <ConfirmDialog open={!!removing} title="Remove this SSH key?" confirmLabel="Remove key" danger busy={remove.isPending} error={remove.error} onConfirm={() => removing && remove.mutate(removing, { onSuccess: () => setRemoving(null) })} onClose={() => setRemoving(null)}>
        <p>
          Pushes signed with <span className="mono">{removing?.fingerprint}</span> will be refused.
        </p>
      </ConfirmDialog>
    </div>
  );
}

function Tokens() {
  const list = useTokens();
  const [created, setCreated] = useState<NewToken | null>(null);
  const [revoking, setRevoking] = useState<ApiToken | null>(null);
  const { register, handleSubmit, reset } = useForm<{ description: string }>({ defaultValues: { description: '' } });
  const { create, revoke } = useTokenMutations();
  const tokens = (list.data ?? []).filter((t) => t.kind !== 'session');
  return (
    <div className="card">
      <h2>API tokens</h2>
      <p className="muted">Tokens authenticate the API and git over HTTPS (as the password).</p>
      {created && (
        <div className="token-once" role="status" data-testid="new-token">
          <p>
            <strong>Copy your new token now.</strong> It is shown only once.
          </p>
          <div className="command">
            <code>{created.token}</code>
            <CopyButton text={created.token} label="Copy token" />
          </div>
          <button type="button" className="btn btn-small" onClick={() => setCreated(null)}>
            I have copied it
          </button>
        </div>
      )}
      <QueryView query={{ isPending: list.isPending, error: list.error, data: tokens }} empty={<Empty title="No API tokens." />}>
        {(shown) => (
          <ul className="item-list" data-testid="tokens">
            {shown.map((t) => (
              <li key={t.id}>
                <div>
                  <strong>{t.description || '(no description)'}</strong> <span className="tag">{t.kind}</span>
                  <div className="muted small">
                    created <TimeAgo iso={t.created_at} /> · last used <TimeAgo iso={t.last_used_at} />
                    {t.expires_at && (
                      <>
                        {' '}
                        · expires {new Date(t.expires_at).toLocaleDateString()}
                      </>
                    )}
                  </div>
                </div>
                <button type="button" className="btn btn-small btn-danger-outline" onClick={() => (revoke.reset(), setRevoking(t))} aria-label={`Revoke token ${t.description}`}>
                  Revoke
                </button>
              </li>
            ))}
          </ul>
        )}
      </QueryView>
      <form className="inline-form" onSubmit={handleSubmit((f) => create.mutate(f.description.trim(), { onSuccess: (t) => (setCreated(t), reset()) }))}>
        <label className="field grow">
          <span>Description</span>
          <input {...register('description', { maxLength: 100 })} placeholder="laptop git, CI deploys…" />
        </label>
        <button type="submit" className="btn btn-primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create token'}
        </button>
      </form>
      <ErrorNote error={create.error} />
      <ConfirmDialog open={!!revoking} title="Revoke this token?" confirmLabel="Revoke" danger busy={revoke.isPending} error={revoke.error} onConfirm={() => revoking && revoke.mutate(revoking, { onSuccess: () => setRevoking(null) })} onClose={() => setRevoking(null)}>
        <p>Anything using “{revoking?.description}” stops working at once.</p>
      </ConfirmDialog>
    </div>
  );
}

function NewOrganization() {
  const { choose } = useCurrentOrg();
  const { register, handleSubmit, reset } = useForm<{ name: string }>({ defaultValues: { name: '' } });
  const { create } = useOrgMutations();
  return (
    <div className="card">
      <h2>Organizations</h2>
      <p className="muted">An organization owns apps and a wallet; invite people to it under Members.</p>
      <form className="inline-form" onSubmit={handleSubmit((f) => create.mutate(f.name.trim(), { onSuccess: (o) => (reset(), choose(o.id)) }))}>
        <label className="field grow">
          <span>New organization name</span>
          <input {...register('name', { required: true })} placeholder="acme" autoComplete="off" spellCheck={false} />
        </label>
        <button type="submit" className="btn btn-primary" disabled={create.isPending}>
          Create organization
        </button>
      </form>
      {create.isSuccess && (
        <p className="ok-note" role="status">
          Created {create.data.name}; it is now selected.
        </p>
      )}
      <ErrorNote error={create.error} />
    </div>
  );
}

export function AccountPage() {
  const session = useSession();
  return (
    <section className="stack" aria-labelledby="account-title">
      <h1 id="account-title">Account</h1>
      <div className="card">
        <dl className="facts">
          <dt>Email</dt>
          <dd>{session.data?.email}</dd>
          {session.data?.name && (
            <>
              <dt>Name</dt>
              <dd>{session.data.name}</dd>
            </>
          )}
          {session.data?.admin && (
            <>
              <dt>Role</dt>
              <dd>platform administrator</dd>
            </>
          )}
        </dl>
      </div>
      <SshKeys />
      <Tokens />
      <NewOrganization />
    </section>
  );
}
