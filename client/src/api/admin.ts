// The admin console's reads and writes (/api/v1/admin/…, api/src/http/routes/admin-*.ts): queries
// keyed under ['admin', …] and one mutation hook per resource (plans, settings, users,
// organizations, billing). Platform admins only: the api refuses everyone else with 403.
import { useInfiniteQuery, useMutation, useQuery, useQueryClient, type QueryKey } from '@tanstack/react-query';
import { ApiError, api, enc, request } from './client';
import { keys } from './queries';
import type {
  AdminOrg,
  AdminOrgView,
  AdminPlan,
  AdminUser,
  AdminUserView,
  AuditEntry,
  BillingRun,
  BillingState,
  DockerProbe,
  LowWallet,
  ObjectStoreProbe,
  Overview,
  Setting,
} from './types';

export const adminKeys = {
  all: ['admin'] as const,
  overview: ['admin', 'overview'] as const,
  orgs: (q: string) => ['admin', 'orgs', q] as const,
  org: (id: string) => ['admin', 'org', id] as const,
  users: (q: string) => ['admin', 'users', q] as const,
  user: (id: string) => ['admin', 'user', id] as const,
  plans: ['admin', 'plans'] as const,
  settings: ['admin', 'settings'] as const,
  billing: ['admin', 'billing'] as const,
  activity: (f: ActivityFilter) => ['admin', 'activity', f] as const,
  activityTypes: ['admin', 'activity-types'] as const,
};

export interface ActivityFilter {
  actor?: string;
  type?: string;
  organization?: string;
  from?: string;
  to?: string;
}

const A = '/api/v1/admin';

export const useOverview = () => useQuery<Overview, ApiError>({ queryKey: adminKeys.overview, queryFn: () => api.get(`${A}/overview`), refetchInterval: 30_000 });

export const useAdminOrgs = (q: string) => useQuery<AdminOrg[], ApiError>({ queryKey: adminKeys.orgs(q), queryFn: () => api.get(`${A}/organizations?q=${enc(q)}&limit=200`), placeholderData: (prev) => prev });
export const useAdminOrg = (id: string) => useQuery<AdminOrgView, ApiError>({ queryKey: adminKeys.org(id), queryFn: () => api.get(`${A}/organizations/${enc(id)}`), refetchInterval: 10_000 });
export const useAdminUsers = (q: string) => useQuery<AdminUser[], ApiError>({ queryKey: adminKeys.users(q), queryFn: () => api.get(`${A}/users?q=${enc(q)}&limit=200`), placeholderData: (prev) => prev });
export const useAdminUser = (id: string) => useQuery<AdminUserView, ApiError>({ queryKey: adminKeys.user(id), queryFn: () => api.get(`${A}/users/${enc(id)}`) });
export const useAdminPlans = () => useQuery<AdminPlan[], ApiError>({ queryKey: adminKeys.plans, queryFn: () => api.get(`${A}/plans`) });
export const useSettingsCatalog = () => useQuery<Setting[], ApiError>({ queryKey: adminKeys.settings, queryFn: () => api.get(`${A}/settings/catalog`) });

export const useBillingState = () => useQuery<BillingState, ApiError>({ queryKey: [...adminKeys.billing, 'state'], queryFn: () => api.get(`${A}/billing`), refetchInterval: 30_000 });
export const useBillingRuns = () => useQuery<BillingRun[], ApiError>({ queryKey: [...adminKeys.billing, 'runs'], queryFn: () => api.get(`${A}/billing/runs?limit=10`), refetchInterval: 30_000 });
export const useLowWallets = () => useQuery<LowWallet[], ApiError>({ queryKey: [...adminKeys.billing, 'low'], queryFn: () => api.get(`${A}/billing/low-balance?limit=50`) });
export const allLedgersCsvUrl = `${A}/billing/ledger.csv`;

const activityQuery = (f: ActivityFilter) =>
  Object.entries(f)
    .filter(([, v]) => v)
    .map(([k, v]) => `${k}=${enc(String(v))}`)
    .join('&');

export function useActivityLog(f: ActivityFilter) {
  return useInfiniteQuery<{ entries: AuditEntry[]; next: string | null }, ApiError>({
    queryKey: adminKeys.activity(f),
    initialPageParam: '',
    queryFn: async ({ pageParam }) => {
      const q = [activityQuery(f), 'limit=50', pageParam ? `before=${enc(String(pageParam))}` : ''].filter(Boolean).join('&');
      const res = await request<AuditEntry[]>('GET', `${A}/activity?${q}`);
      return { entries: res.data, next: res.headers.get('Next-Range') };
    },
    getNextPageParam: (last) => last.next,
  });
}

export const activityCsvUrl = (f: ActivityFilter) => `${A}/activity?${[activityQuery(f), 'format=csv'].filter(Boolean).join('&')}`;
export const useActivityTypes = () => useQuery<string[], ApiError>({ queryKey: adminKeys.activityTypes, queryFn: () => api.get(`${A}/activity/types`), staleTime: 60_000 });

function useRefresh() {
  const qc = useQueryClient();
  return (...list: QueryKey[]) => {
    for (const queryKey of list) void qc.invalidateQueries({ queryKey });
  };
}

export interface PlanForm {
  name: string;
  cpu: number;
  ram_mb: number;
  disk_gb: number;
  price_per_hour: number;
  max_replicas: number;
  active?: boolean;
  default?: boolean;
}

/** Plans: create, edit (also make default, deactivate), delete (409 while apps use it). */
export function usePlanMutations() {
  const refresh = useRefresh();
  const done = () => refresh(adminKeys.plans, keys.plans, adminKeys.overview);
  return {
    create: useMutation<AdminPlan, ApiError, PlanForm>({ mutationFn: (p) => api.post<AdminPlan>(`${A}/plans`, p), onSuccess: done }),
    update: useMutation<AdminPlan, ApiError, { name: string; patch: Partial<PlanForm> }>({ mutationFn: ({ name, patch }) => api.patch<AdminPlan>(`${A}/plans/${enc(name)}`, patch), onSuccess: done }),
    remove: useMutation<unknown, ApiError, string>({ mutationFn: (name) => api.delete(`${A}/plans/${enc(name)}`), onSuccess: done }),
  };
}

/** Settings: save (validated as a whole), and the two connection tests (nothing saved). */
export function useSettingsMutations() {
  const refresh = useRefresh();
  return {
    save: useMutation<Record<string, unknown>, ApiError, Record<string, unknown>>({
      mutationFn: (patch) => api.patch(`${A}/settings`, patch),
      onSuccess: () => refresh(adminKeys.settings, keys.signup),
    }),
    testObjectStore: useMutation<ObjectStoreProbe, ApiError, Record<string, unknown>>({ mutationFn: (values) => api.post<ObjectStoreProbe>(`${A}/settings/object-store/test`, values) }),
    testDocker: useMutation<DockerProbe, ApiError, string>({ mutationFn: (host) => api.post<DockerProbe>(`${A}/settings/docker/test`, { docker_host: host }) }),
  };
}

/** Users: create, reset a password, disable/enable, grant/revoke platform admin. */
export function useUserMutations() {
  const refresh = useRefresh();
  const done = (u: { id: string }) => refresh(['admin', 'users'], adminKeys.user(u.id), ['admin', 'activity'], adminKeys.overview);
  return {
    create: useMutation<AdminUser & { password?: string }, ApiError, { email: string; name?: string; admin: boolean }>({ mutationFn: (u) => api.post(`${A}/users`, u), onSuccess: done }),
    resetPassword: useMutation<AdminUser & { password?: string }, ApiError, string>({ mutationFn: (id) => api.post(`${A}/users/${enc(id)}/password`, {}), onSuccess: done }),
    update: useMutation<AdminUser, ApiError, { id: string; disabled?: boolean; admin?: boolean }>({
      mutationFn: ({ id, ...patch }) => api.patch<AdminUser>(`${A}/users/${enc(id)}`, patch),
      onSuccess: done,
    }),
  };
}

/** One organization: credit or adjust its wallet, suspend, resume, delete. */
export function useOrgAdminMutations(org: string) {
  const refresh = useRefresh();
  const done = () => refresh(adminKeys.org(org), ['admin', 'orgs'], ['admin', 'activity'], adminKeys.overview, adminKeys.billing, ['billing', org]);
  return {
    credit: useMutation<unknown, ApiError, { amount: number; note: string }>({ mutationFn: (b) => api.post(`${A}/organizations/${enc(org)}/credits`, b), onSuccess: done }),
    adjust: useMutation<unknown, ApiError, { amount: number; note: string }>({ mutationFn: (b) => api.post(`${A}/organizations/${enc(org)}/adjustments`, b), onSuccess: done }),
    suspend: useMutation<{ suspended_apps: number }, ApiError, string>({ mutationFn: (note) => api.post(`${A}/organizations/${enc(org)}/suspend`, { note }), onSuccess: done }),
    resume: useMutation<{ resumed_apps: number }, ApiError, void>({ mutationFn: () => api.post(`${A}/organizations/${enc(org)}/resume`, {}), onSuccess: done }),
    remove: useMutation<{ deleted_apps: string[] }, ApiError, string>({
      mutationFn: async (confirm) => (await request<{ deleted_apps: string[] }>('DELETE', `${A}/organizations/${enc(org)}`, { body: { confirm } })).data,
      onSuccess: () => refresh(['admin', 'orgs'], adminKeys.overview),
    }),
  };
}

/** Billing: run now. */
export function useBillingAdminMutations() {
  const refresh = useRefresh();
  return {
    runNow: useMutation<{ hours: unknown[]; entries: number; amount: number; suspended_apps: number }, ApiError, void>({
      mutationFn: () => api.post(`${A}/billing/run`, {}),
      onSuccess: () => refresh(adminKeys.billing, adminKeys.overview),
    }),
  };
}
