import { useState } from 'react';
import { useForm } from 'react-hook-form';
import { useMembers, useSession } from '../../api/queries';
import { useMemberMutations } from '../../api/mutations';
import type { Member, Role } from '../../api/types';
import { ConfirmDialog, ErrorNote, Loading, TimeAgo } from '../../components/ui';
import { DataTable, QueryView } from '../../components/QueryView';
import { canManage, useCurrentOrg } from '../../lib/current-org';

const ROLES: Role[] = ['owner', 'admin', 'member', 'viewer'];
const ROLE_HELP: Record<Role, string> = {
  owner: 'everything, including billing and owners',
  admin: 'manage members and billing, delete apps',
  member: 'create, deploy, configure and scale apps',
  viewer: 'read only',
};

function RoleSelect({ org, m, disabled }: { org: string; m: Member; disabled: boolean }) {
  const { setRole: change } = useMemberMutations(org);
  return (
    <>
      <select value={m.role} disabled={disabled || change.isPending} onChange={(e) => change.mutate({ member: m, role: e.target.value as Role })} aria-label={`Role of ${m.user.email}`}>
        {ROLES.map((r) => (
          <option key={r} value={r}>
            {r}
          </option>
        ))}
      </select>
      <ErrorNote error={change.error} />
    </>
  );
}

export function MembersPage() {
  const { org } = useCurrentOrg();
  const session = useSession();
  const members = useMembers(org?.id ?? '');
  const manage = canManage(org?.role);
  const [removing, setRemoving] = useState<Member | null>(null);
  const { register, handleSubmit, reset, formState } = useForm<{ email: string; role: Role }>({ defaultValues: { email: '', role: 'member' } });
  const { invite, remove } = useMemberMutations(org?.id ?? '');

  if (!org) return <Loading />;
  return (
    <section className="stack" aria-labelledby="members-title">
      <h1 id="members-title">
        Members <span className="muted">of {org.name}</span>
      </h1>
      {org.personal && <p className="muted">This is your personal organization. Create a shared one under Account to work with others, or invite people here.</p>}
      <div className="card">
        <QueryView query={members}>
          {(list) => (
            <DataTable testId="members" columns={['Member', 'Role', 'Since']} actions={manage}>
              {list.map((m) => {
                const self = m.user.id === session.data?.id;
                return (
                  <tr key={m.user.id} data-email={m.user.email}>
                    <td data-label="Member">
                      {m.user.email} {self && <span className="tag">you</span>}
                      {m.user.name && <div className="muted small">{m.user.name}</div>}
                    </td>
                    <td data-label="Role">{manage && !self ? <RoleSelect org={org.id} m={m} disabled={false} /> : m.role}</td>
                    <td data-label="Since">
                      <TimeAgo iso={m.created_at} />
                    </td>
                    {manage && (
                      <td>
                        {!self && (
                          <button type="button" className="btn btn-small btn-danger-outline" onClick={() => (remove.reset(), setRemoving(m))} aria-label={`Remove ${m.user.email}`}>
                            Remove
                          </button>
                        )}
                      </td>
                    )}
                  </tr>
                );
              })}
            </DataTable>
          )}
        </QueryView>
      </div>
      {manage ? (
        <div className="card">
          <h2>Invite a member</h2>
          <p className="muted small">They need a Slipway account with this email address.</p>
          <form className="inline-form" onSubmit={handleSubmit((f) => invite.mutate({ email: f.email.trim(), role: f.role }, { onSuccess: () => reset() }))} noValidate>
            <label className="field grow">
              <span>Email</span>
              <input type="email" {...register('email', { required: 'Enter an email address.', pattern: { value: /^[^\s@]+@[^\s@]+$/, message: 'That is not an email address.' } })} placeholder="teammate@example.com" aria-invalid={!!formState.errors.email} />
              {formState.errors.email && <small className="field-error">{formState.errors.email.message}</small>}
            </label>
            <label className="field">
              <span>Role</span>
              <select {...register('role')}>
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {r} — {ROLE_HELP[r]}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit" className="btn btn-primary" disabled={invite.isPending}>
              {invite.isPending ? 'Inviting…' : 'Invite'}
            </button>
          </form>
          <ErrorNote error={invite.error} />
        </div>
      ) : (
        <p className="muted">Your role ({org.role}) can see the members; owners and admins manage them.</p>
      )}
      <ConfirmDialog open={!!removing} title={`Remove ${removing?.user.email ?? ''}?`} confirmLabel="Remove member" danger busy={remove.isPending} error={remove.error} onConfirm={() => removing && remove.mutate(removing, { onSuccess: () => setRemoving(null) })} onClose={() => setRemoving(null)}>
        <p>They lose access to every app of {org.name} at once.</p>
      </ConfirmDialog>
    </section>
  );
}
