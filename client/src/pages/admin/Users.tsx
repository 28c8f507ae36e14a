// Every user, searchable, and a form to create one (the generated password is shown once).
import { useDeferredValue, useState } from 'react';
import { useForm } from 'react-hook-form';
import { Link } from 'react-router';
import { useAdminUsers, useUserMutations } from '../../api/admin';
import { Empty, ErrorNote, SearchField, TimeAgo } from '../../components/ui';
import { DataTable, QueryView } from '../../components/QueryView';
import { ShownOnce } from './parts';

function CreateUser() {
  const { create } = useUserMutations();
  const [shown, setShown] = useState<{ email: string; password: string } | null>(null);
  const { register, handleSubmit, reset, formState } = useForm<{ email: string; name: string; admin: boolean }>({ defaultValues: { email: '', name: '', admin: false } });
  return (
    <div className="card">
      <h2>Create a user</h2>
      <p className="muted small">They get a personal organization; a password is generated and shown here once.</p>
      {shown && (
        <ShownOnce value={shown.password} onDone={() => setShown(null)}>
          <strong>Give {shown.email} this password now.</strong>
        </ShownOnce>
      )}
      <form
        className="inline-form"
        onSubmit={handleSubmit((f) =>
          create.mutate(
            { email: f.email.trim(), admin: f.admin, ...(f.name.trim() ? { name: f.name.trim() } : {}) },
            { onSuccess: (u) => (setShown({ email: u.email, password: u.password ?? '' }), reset()) },
          ),
        )}
        noValidate
      >
        <label className="field grow">
          <span>Email</span>
          <input type="email" {...register('email', { required: 'Enter an email address.' })} placeholder="new.user@example.com" aria-invalid={!!formState.errors.email} />
          {formState.errors.email && <small className="field-error">{formState.errors.email.message}</small>}
        </label>
        <label className="field grow">
          <span>Name</span>
          <input {...register('name')} placeholder="optional" />
        </label>
        <label className="check field-check">
          <input type="checkbox" {...register('admin')} /> platform admin
        </label>
        <button type="submit" className="btn btn-primary" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create user'}
        </button>
      </form>
      <ErrorNote error={create.error} />
    </div>
  );
}

export function AdminUsers() {
  const [q, setQ] = useState('');
  const search = useDeferredValue(q.trim());
  const users = useAdminUsers(search);
  return (
    <section className="stack" aria-labelledby="users-title">
      <h1 id="users-title">Users</h1>
      <div className="card">
        <SearchField label="Search users" placeholder="Search by email or name" value={q} onChange={setQ} />
        <QueryView query={users} empty={<Empty title={`No user matches “${search}”.`} />}>
          {(list) => (
            <DataTable testId="admin-users" columns={['User', { label: 'Organizations', numeric: true }, 'Last sign-in', 'Created']}>
              {list.map((u) => (
                <tr key={u.id} data-email={u.email}>
                  <td data-label="User">
                    <Link to={`/admin/users/${u.id}`} className="app-link">
                      {u.email}
                    </Link>
                    {u.admin && <span className="tag tag-ok">admin</span>}
                    {u.disabled && <span className="tag tag-warn">disabled</span>}
                    {u.name && <div className="muted small">{u.name}</div>}
                  </td>
                  <td data-label="Organizations" className="num">
                    {u.org_count}
                  </td>
                  <td data-label="Last sign-in">
                    <TimeAgo iso={u.last_login} />
                  </td>
                  <td data-label="Created">
                    <TimeAgo iso={u.created_at} />
                  </td>
                </tr>
              ))}
            </DataTable>
          )}
        </QueryView>
      </div>
      <CreateUser />
    </section>
  );
}
