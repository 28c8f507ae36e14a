// Every write the dashboard makes, one hook per resource: the request and what it changes in the
// cache live here; pages only say what the user sees afterwards (through mutate's own callbacks:
// reset a form, close a dialog, navigate). Admin console writes: admin.ts.
import { useMutation, useQueryClient, type QueryClient, type QueryKey } from '@tanstack/react-query';
import { ApiError, api, enc } from './client';
import { keys } from './queries';
import type { Account, App, Domain, Member, NewToken, Organization, Release, Resources, Role, SshKey } from './types';

const refresh = (qc: QueryClient, list: QueryKey[]) => {
  for (const queryKey of list) void qc.invalidateQueries({ queryKey });
};

/** Sign in and out (the dashboard's session cookie). */
export function useSessionMutations() {
  const qc = useQueryClient();
  return {
    signIn: useMutation<Account, ApiError, { email: string; password: string }>({
      mutationFn: (f) => api.post<Account>('/api/v1/session', f),
      onSuccess: (account) => {
        qc.setQueryData(keys.session, account);
        // anything fetched while signed out (401s) is fetched again as this user
        void qc.invalidateQueries({ predicate: (q) => q.queryKey[0] !== 'session' });
      },
    }),
    /** Creates the account, then signs in with it. */
    signUp: useMutation<Account, ApiError, { email: string; password: string; name?: string }>({
      mutationFn: async (f) => {
        await api.post<Account>('/api/v1/users', f);
        return api.post<Account>('/api/v1/session', { email: f.email, password: f.password });
      },
      onSuccess: (account) => {
        qc.setQueryData(keys.session, account);
        void qc.invalidateQueries({ predicate: (q) => q.queryKey[0] !== 'session' });
      },
    }),
    signOut: useMutation<unknown, ApiError, void>({
      mutationFn: () => api.delete('/api/v1/session'),
      onSettled: () => {
        qc.clear();
        qc.setQueryData(keys.session, null);
      },
    }),
  };
}

/** Create, change (rename, maintenance, health check, plan) and delete apps. */
export function useAppMutations(appName?: string) {
  const qc = useQueryClient();
  return {
    create: useMutation<App, ApiError, { name?: string; organization: string; plan?: string }>({
      mutationFn: (f) => api.post<App>('/apps', f),
      onSuccess: () => refresh(qc, [keys.appsAll]),
    }),
    update: useMutation<App, ApiError, Record<string, unknown>>({
      mutationFn: (patch) => api.patch<App>(`/apps/${enc(appName!)}`, patch),
      onSuccess: (updated) => {
        if (updated.name !== appName) qc.removeQueries({ queryKey: keys.app(appName!) });
        qc.setQueryData(keys.app(updated.name), updated);
        refresh(qc, [keys.appsAll, keys.activity(updated.name)]);
      },
    }),
    remove: useMutation<unknown, ApiError, void>({
      mutationFn: () => api.delete(`/apps/${enc(appName!)}`),
      onSuccess: () => {
        qc.removeQueries({ queryKey: keys.app(appName!) });
        refresh(qc, [keys.appsAll]);
      },
    }),
  };
}

/** Set and remove config vars (each change makes a release). */
export function useConfigMutations(app: string) {
  const qc = useQueryClient();
  return {
    patch: useMutation<Record<string, string>, ApiError, Record<string, string | null>>({
      mutationFn: (patch) => api.patch<Record<string, string>>(`/apps/${enc(app)}/config-vars`, patch),
      onSuccess: (vars) => {
        qc.setQueryData(keys.config(app), { vars, masked: false });
        refresh(qc, [keys.releases(app), keys.app(app), keys.activity(app), keys.dynos(app)]);
      },
    }),
  };
}

/** The plan and the quantities (one request: the server decides the order), and restarts. */
export function useFormationMutations(app: string) {
  const qc = useQueryClient();
  return {
    resize: useMutation<Resources, ApiError, { plan?: string; updates: { type: string; quantity: number }[] }>({
      mutationFn: (body) => api.patch<Resources>(`/apps/${enc(app)}/resources`, body),
      onSuccess: () => refresh(qc, [keys.formation(app), keys.dynos(app), keys.app(app), keys.activity(app), keys.appsAll]),
      onError: () => refresh(qc, [keys.formation(app)]),
    }),
    restart: useMutation<unknown, ApiError, void>({
      mutationFn: () => api.delete(`/apps/${enc(app)}/dynos`),
      onSuccess: () => refresh(qc, [keys.dynos(app)]),
    }),
  };
}

export function useReleaseMutations(app: string) {
  const qc = useQueryClient();
  return {
    rollback: useMutation<Release, ApiError, Release>({
      mutationFn: (r) => api.post<Release>(`/apps/${enc(app)}/releases`, { release: r.id }),
      onSuccess: () => refresh(qc, [keys.releases(app), keys.app(app), keys.config(app), keys.dynos(app), keys.activity(app)]),
    }),
  };
}

export function useDomainMutations(app: string) {
  const qc = useQueryClient();
  const done = () => refresh(qc, [keys.domains(app), keys.activity(app)]);
  return {
    add: useMutation<Domain, ApiError, string>({ mutationFn: (hostname) => api.post<Domain>(`/apps/${enc(app)}/domains`, { hostname }), onSuccess: done }),
    remove: useMutation<unknown, ApiError, Domain>({ mutationFn: (d) => api.delete(`/apps/${enc(app)}/domains/${enc(d.hostname)}`), onSuccess: done }),
    /** Check the domain's DNS now (or order its certificate again). */
    verify: useMutation<Domain, ApiError, Domain>({ mutationFn: (d) => api.post<Domain>(`/apps/${enc(app)}/domains/${enc(d.hostname)}/verify`, {}), onSuccess: done }),
  };
}

export function useOrgMutations() {
  const qc = useQueryClient();
  return {
    create: useMutation<Organization, ApiError, string>({
      mutationFn: (name) => api.post<Organization>('/api/v1/organizations', { name }),
      onSuccess: () => refresh(qc, [keys.orgs]),
    }),
  };
}

export function useMemberMutations(org: string) {
  const qc = useQueryClient();
  const base = `/api/v1/organizations/${enc(org)}/members`;
  return {
    invite: useMutation<Member, ApiError, { email: string; role: Role }>({
      mutationFn: (f) => api.post<Member>(base, f),
      onSuccess: () => refresh(qc, [keys.members(org)]),
    }),
    setRole: useMutation<Member[], ApiError, { member: Member; role: Role }>({
      mutationFn: ({ member, role }) => api.patch<Member[]>(`${base}/${enc(member.user.id)}`, { role }),
      onSuccess: (members) => qc.setQueryData(keys.members(org), members),
    }),
    remove: useMutation<unknown, ApiError, Member>({
      mutationFn: (m) => api.delete(`${base}/${enc(m.user.id)}`),
      onSuccess: () => refresh(qc, [keys.members(org)]),
    }),
  };
}

export function useTokenMutations() {
  const qc = useQueryClient();
  return {
    create: useMutation<NewToken, ApiError, string>({ mutationFn: (description) => api.post<NewToken>('/api/v1/tokens', { description }), onSuccess: () => refresh(qc, [keys.tokens]) }),
    revoke: useMutation<unknown, ApiError, { id: string }>({ mutationFn: (t) => api.delete(`/api/v1/tokens/${enc(t.id)}`), onSuccess: () => refresh(qc, [keys.tokens]) }),
  };
}

export function useSshKeyMutations() {
  const qc = useQueryClient();
  return {
    add: useMutation<SshKey, ApiError, string>({ mutationFn: (k) => api.post<SshKey>('/account/keys', { public_key: k.trim() }), onSuccess: () => refresh(qc, [keys.keys]) }),
    remove: useMutation<unknown, ApiError, SshKey>({ mutationFn: (k) => api.delete(`/account/keys/${enc(k.id)}`), onSuccess: () => refresh(qc, [keys.keys]) }),
  };
}
