// Server state lives in react-query only. Keys are built here so invalidation after a mutation
// names exactly what changed.
import { queryOptions, useQuery, type UseQueryOptions } from '@tanstack/react-query';
import { ApiError, api, enc, request } from './client';
import type { Account, Activity, ApiToken, App, Build, Domain, Dyno, Formation, Member, Organization, Plan, Release, SshKey } from './types';

export const keys = {
  session: ['session'] as const,
  signup: ['signup'] as const,
  orgs: ['orgs'] as const,
  members: (org: string) => ['orgs', org, 'members'] as const,
  plans: ['plans'] as const,
  apps: (org: string | undefined) => ['apps', 'list', org ?? 'all'] as const,
  appsAll: ['apps', 'list'] as const,
  app: (app: string) => ['app', app] as const,
  config: (app: string) => ['app', app, 'config'] as const,
  formation: (app: string) => ['app', app, 'formation'] as const,
  dynos: (app: string) => ['app', app, 'dynos'] as const,
  releases: (app: string) => ['app', app, 'releases'] as const,
  domains: (app: string) => ['app', app, 'domains'] as const,
  builds: (app: string) => ['app', app, 'builds'] as const,
  activity: (app: string) => ['app', app, 'activity'] as const,
  keys: ['account', 'keys'] as const,
  tokens: ['account', 'tokens'] as const,
  wallet: (org: string) => ['billing', org, 'wallet'] as const,
  ledger: (org: string, page: string) => ['billing', org, 'ledger', page] as const,
  usage: (org: string, from: string, to: string) => ['billing', org, 'usage', from, to] as const,
};

type Opts<T> = Omit<UseQueryOptions<T, ApiError>, 'queryKey' | 'queryFn'>;

/** The signed-in account, or null when signed out (401 is an answer here, not an error). */
export const sessionQuery = queryOptions<Account | null, ApiError>({
  queryKey: keys.session,
  queryFn: async () => {
    try {
      return await api.get<Account>('/api/v1/session');
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return null;
      throw err;
    }
  },
  staleTime: 60_000,
});

export const useSession = () => useQuery(sessionQuery);

/** Whether this Slipway lets anyone create an account (the setting signup_enabled). */
export const useSignupOpen = () =>
  useQuery<boolean, ApiError>({ queryKey: keys.signup, queryFn: async () => (await api.get<{ enabled: boolean }>('/api/v1/signup')).enabled, staleTime: 0 });

export const orgsQuery = queryOptions<Organization[], ApiError>({ queryKey: keys.orgs, queryFn: () => api.get('/api/v1/organizations'), staleTime: 30_000 });

export const appsQuery = (org: string | undefined) =>
  queryOptions<App[], ApiError>({
    queryKey: keys.apps(org),
    queryFn: async () => {
      const q = org ? `?organization=${enc(org)}` : '';
      return (await request<App[]>('GET', `/apps${q}`, { headers: { Range: 'name ..; max=1000' } })).data;
    },
  });

export const useOrgs = (o: Opts<Organization[]> = {}) => useQuery<Organization[], ApiError>({ ...orgsQuery, ...o });

export const useMembers = (org: string) =>
  useQuery<Member[], ApiError>({ queryKey: keys.members(org), queryFn: () => api.get(`/api/v1/organizations/${enc(org)}/members`) });

export const usePlans = () => useQuery<Plan[], ApiError>({ queryKey: keys.plans, queryFn: () => api.get('/api/v1/plans'), staleTime: 5 * 60_000 });

export const useApps = (org: string | undefined, o: Opts<App[]> = {}) =>
  useQuery<App[], ApiError>({ ...appsQuery(org), refetchInterval: 10_000, ...o });

export const useApp = (app: string, o: Opts<App> = {}) =>
  useQuery<App, ApiError>({
    queryKey: keys.app(app),
    queryFn: () => api.get(`/apps/${enc(app)}`),
    // while something is changing, look more often
    refetchInterval: (q) => (q.state.data?.status === 'deploying' || q.state.data?.status === 'new' ? 2_000 : 8_000),
    ...o,
  });

export const useConfig = (app: string) =>
  useQuery<{ vars: Record<string, string>; masked: boolean }, ApiError>({
    queryKey: keys.config(app),
    queryFn: async () => {
      const res = await request<Record<string, string>>('GET', `/apps/${enc(app)}/config-vars`);
      return { vars: res.data, masked: res.headers.get('X-Slipway-Config-Masked') === 'true' };
    },
  });

export const useFormation = (app: string) => useQuery<Formation[], ApiError>({ queryKey: keys.formation(app), queryFn: () => api.get(`/apps/${enc(app)}/formation`) });

export const useDynos = (app: string, o: Opts<Dyno[]> = {}) =>
  useQuery<Dyno[], ApiError>({ queryKey: keys.dynos(app), queryFn: () => api.get(`/apps/${enc(app)}/dynos`), refetchInterval: 3_000, ...o });

export const useReleases = (app: string) =>
  useQuery<Release[], ApiError>({
    queryKey: keys.releases(app),
    queryFn: async () => (await request<Release[]>('GET', `/apps/${enc(app)}/releases`, { headers: { Range: 'version ..; max=100, order=desc' } })).data,
    refetchInterval: 10_000,
  });

/** Domains; looked at again every few seconds while one is waiting for DNS or a certificate. */
export const useDomains = (app: string) =>
  useQuery<Domain[], ApiError>({
    queryKey: keys.domains(app),
    queryFn: () => api.get(`/apps/${enc(app)}/domains`),
    refetchInterval: (q) => (q.state.data?.some((d) => d.dns_status === 'pending' || d.tls_status === 'pending') ? 3_000 : 30_000),
  });

export const useBuilds = (app: string) =>
  useQuery<Build[], ApiError>({
    queryKey: keys.builds(app),
    queryFn: () => api.get(`/apps/${enc(app)}/builds`),
    refetchInterval: (q) => (q.state.data?.some((b) => b.status === 'pending') ? 1_500 : 3_000),
  });

export const useActivity = (app: string) =>
  useQuery<Activity[], ApiError>({ queryKey: keys.activity(app), queryFn: () => api.get(`/apps/${enc(app)}/activity`), refetchInterval: 10_000 });

export const useSshKeys = () => useQuery<SshKey[], ApiError>({ queryKey: keys.keys, queryFn: () => api.get('/account/keys') });
export const useTokens = () => useQuery<ApiToken[], ApiError>({ queryKey: keys.tokens, queryFn: () => api.get('/api/v1/tokens') });
