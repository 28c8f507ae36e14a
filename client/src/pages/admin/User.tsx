// One user: their organizations, tokens and recent activity; reset their password (shown once,
// their dashboard sessions end), disable or enable them (a disabled user's sessions and tokens are
// refused at once), make or revoke platform admin (never the last one: the api refuses).
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useAdminUser, useUserMutations } from '../../api/admin';
import { useSession } from '../../api/queries';
import { ConfirmDialog, Empty, ErrorNote, Loading, TimeAgo } from '../../components/ui';
import { ActivityFeed, ShownOnce } from './parts';

type Dialog = 'password' | 'disable' | 'enable' | 'grant' | 'revoke' | null;

export function AdminUser() {
  const { id = '' } = useParams();
  const q = useAdminUser(id);
  const session = useSession();
  const { resetPassword, update } = useUserMutations();
  const [dialog, setDialog] = useState<Dialog>(null);
  const [password, setPassword] = useState<string | null>(null);
  if (q.isPending) return <Loading what="Loading the user" />;
  if (q.error) return q.error.status === 404 ? <Empty title="There is no such user." /> : <ErrorNote error={q.error} />;
  const u = q.data;
  const self = u.id === session.data?.id;
  const open = (d: Dialog) => (resetPassword.reset(), update.reset(), setDialog(d));
  const close = () => setDialog(null);
  const busy = resetPassword.isPending || update.isPending;
  const error = resetPassword.error ?? update.error;
  const confirm = () => {
    if (dialog === 'password') resetPassword.mutate(u.id, { onSuccess: (r) => (setPassword(r.password ?? null), close()) });
    else update.mutate({ id: u.id, ...(dialog === 'disable' || dialog === 'enable' ? { disabled: dialog === 'disable' } : { admin: dialog === 'grant' }) }, { onSuccess: close });
  };
  const sessions = u.tokens.filter((t) => t.kind === 'session').length;
  const apiTokens = u.tokens.filter((t) => t.kind !== 'session');
  const TEXT: Record<Exclude<Dialog, null>, { title: string; label: string; body: string; danger?: boolean }> = {
    password: { title: `Reset the password of ${u.email}?`, label: 'Reset password', body: 'A new password is generated and shown to you once. Their current password stops working and their dashboard sessions end; API tokens keep working.' },
    disable: { title: `Disable ${u.email}?`, label: 'Disable user', danger: true, body: `They cannot sign in, and their ${sessions} dashboard session${sessions === 1 ? '' : 's'} and ${apiTokens.length} API token${apiTokens.length === 1 ? '' : 's'} are refused from their next request. Their organizations and apps keep running.` },
    enable: { title: `Enable ${u.email}?`, label: 'Enable user', body: 'They can sign in again and their API tokens work again.' },
    grant: { title: `Make ${u.email} a platform admin?`, label: 'Make admin', body: 'They get the admin console: every organization, user, plan, setting and the billing of the whole platform.' },
    revoke: { title: `Revoke platform admin from ${u.email}?`, label: 'Revoke admin', danger: true, body: 'They lose the admin console. Slipway keeps at least one platform admin who can sign in.' },
  };
  return (
    <section className="stack" aria-labelledby="user-title">
      <div className="app-head">
        <div>
          <p className="crumbs muted small">
            <Link to="/admin/users">Users</Link> /
          </p>
          <h1 id="user-title">{u.email}</h1>
        </div>
        {u.admin && <span className="tag tag-ok">platform admin</span>}
        {u.disabled ? <span className="badge badge-suspended" data-testid="user-state">disabled</span> : <span className="badge badge-running" data-testid="user-state">active</span>}
        {self && <span className="tag">you</span>}
        <div className="head-actions">
          <button type="button" className="btn" onClick={() => open('password')}>
            Reset password…
          </button>
          <button type="button" className="btn" onClick={() => open(u.admin ? 'revoke' : 'grant')}>
            {u.admin ? 'Revoke admin…' : 'Make admin…'}
          </button>
          {!self && (
            <button type="button" className={`btn ${u.disabled ? '' : 'btn-danger-outline'}`} onClick={() => open(u.disabled ? 'enable' : 'disable')}>
              {u.disabled ? 'Enable…' : 'Disable…'}
            </button>
          )}
        </div>
      </div>
      {password && (
        <ShownOnce value={password} onDone={() => setPassword(null)}>
          <strong>The new password of {u.email}.</strong>
        </ShownOnce>
      )}
      <div className="card">
        <dl className="facts">
          <dt>Name</dt>
          <dd>{u.name ?? <span className="muted">—</span>}</dd>
          <dt>Created</dt>
          <dd>
            <TimeAgo iso={u.created_at} />
          </dd>
          <dt>Last sign-in</dt>
          <dd>
            <TimeAgo iso={u.last_login} />
          </dd>
          {u.disabled_at && (
            <>
              <dt>Disabled</dt>
              <dd>
                <TimeAgo iso={u.disabled_at} />
              </dd>
            </>
          )}
        </dl>
      </div>
      <div className="grid-2">
        <div className="card">
          <h2>Organizations</h2>
          <ul className="item-list">
            {u.organizations.map((o) => (
              <li key={o.id}>
                <Link to={`/admin/organizations/${o.id}`}>{o.name}</Link>
                <span className="tag">{o.personal ? 'personal' : o.role}</span>
              </li>
            ))}
          </ul>
        </div>
        <div className="card">
          <h2>Sign-ins and tokens</h2>
          <p className="muted small">
            {sessions} dashboard session{sessions === 1 ? '' : 's'}
          </p>
          {apiTokens.length === 0 ? (
            <p className="muted">No API tokens.</p>
          ) : (
            <ul className="item-list">
              {apiTokens.map((t) => (
                <li key={t.id}>
                  <span>
                    {t.description || '(no description)'} <span className="tag">{t.kind}</span>
                  </span>
                  <span className="muted small">
                    last used <TimeAgo iso={t.last_used_at} />
                  </span>
                </li>
              ))}
            </ul>
          )}
        </div>
      </div>
      <div className="card">
        <div className="card-head">
          <h2>What they did lately</h2>
          <Link to={`/admin/activity?actor=${encodeURIComponent(u.email)}`} className="small">
            All of it →
          </Link>
        </div>
        {u.activity.length === 0 ? (
          <p className="muted">Nothing yet.</p>
        ) : (
          <ActivityFeed entries={u.activity} showActor={false} />
        )}
      </div>
      {dialog && (
        <ConfirmDialog open title={TEXT[dialog].title} confirmLabel={TEXT[dialog].label} danger={TEXT[dialog].danger} busy={busy} error={error} onConfirm={confirm} onClose={close}>
          <p>{TEXT[dialog].body}</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
