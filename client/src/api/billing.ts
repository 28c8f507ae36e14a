// Billing endpoints (issue 6, api/src/http/routes/billing.routes.ts): the wallet summary (every
// member), the ledger newest first with Range paging, per-app daily usage and billing
// notifications (owners/admins), CSV exports of ledger and usage (?format=csv).
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { ApiError, api, enc, request } from './client';
import { keys } from './queries';
import type { BillingNotification, LedgerEntry, UsageRow, Wallet } from './types';

const base = (org: string) => `/api/v1/organizations/${enc(org)}`;

// staleTime 0: opening the Billing page asks again, rather than showing what the banner fetched
// up to 5 s ago (a top-up or billing run in between would otherwise show for up to 30 s)
export const useWallet = (org: string) => useQuery<Wallet, ApiError>({ queryKey: keys.wallet(org), queryFn: () => api.get(`${base(org)}/wallet`), refetchInterval: 30_000, staleTime: 0 });

interface LedgerPage {
  entries: LedgerEntry[];
  /** The Range header of the next (older) page, from the api's Next-Range. */
  next: string | null;
}

export function useLedger(org: string, enabled: boolean) {
  return useInfiniteQuery<LedgerPage, ApiError>({
    queryKey: keys.ledger(org, 'all'),
    enabled,
    initialPageParam: 'id ..; max=50, order=desc',
    queryFn: async ({ pageParam }) => {
      const res = await request<LedgerEntry[]>('GET', `${base(org)}/ledger`, { headers: { Range: String(pageParam) } });
      return { entries: res.data, next: res.headers.get('Next-Range') };
    },
    getNextPageParam: (last) => last.next,
  });
}

export const useUsage = (org: string, from: string, to: string, enabled: boolean) =>
  useQuery<UsageRow[], ApiError>({ queryKey: keys.usage(org, from, to), enabled, queryFn: () => api.get(`${base(org)}/usage?from=${enc(from)}&to=${enc(to)}`) });

export const useBillingNotifications = (org: string, enabled: boolean) =>
  useQuery<BillingNotification[], ApiError>({ queryKey: ['billing', org, 'notifications'], enabled, queryFn: () => api.get(`${base(org)}/billing-notifications?limit=10`) });

export const ledgerCsvUrl = (org: string) => `${base(org)}/ledger?format=csv`;
export const usageCsvUrl = (org: string, from: string, to: string) => `${base(org)}/usage?from=${enc(from)}&to=${enc(to)}&format=csv`;
