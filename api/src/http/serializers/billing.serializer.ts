// JSON and CSV shapes of billing (api/src/http/routes/billing.routes.ts): wallet summaries, ledger
// entries, usage rows, billing notifications, the results of a top-up and of a billing run. Money
// is integer micro-units; hours are process-hours rounded to 4 decimals.
import { formatUsd } from '@slipway/core/services/billing/money';
import type { BillingRunResult } from '@slipway/core/services/billing/hourly-billing-run.service';
import type { EntryResult, WalletSummary } from '@slipway/core/services/billing/org-wallet.service';
import type { LedgerEntryRow, UsageRow } from '@slipway/core/repositories/wallet.repository';
import type { BillingNotificationRow } from '@slipway/core/repositories/suspension.repository';
import type { OrgRef } from '../../services/billing-reports.service.js';

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);
const isoOf = (d: Date) => new Date(d).toISOString();
const hoursOf = (us: number | null) => (us === null ? null : Math.round(us / 360_000) / 10_000);

export const walletJson = (w: WalletSummary) => ({
  balance: w.balance,
  burn_rate_per_hour: w.burnRatePerHour,
  hours_left: w.hoursLeft,
  currency: w.currency,
  low_balance: w.lowBalance,
  unbilled: w.unbilled,
  grace: w.grace ? { started_at: isoOf(w.grace.startedAt), ends_at: isoOf(w.grace.endsAt) } : null,
  suspensions: w.suspensions.map((s) => ({ reason: s.reason, apps: s.apps, since: isoOf(s.since) })),
});

export const ledgerJson = (e: LedgerEntryRow) => ({
  id: e.id,
  kind: e.kind,
  amount: e.amount,
  balance_after: e.balanceAfter ?? null,
  app_id: e.appId,
  app_name: e.appName,
  period_start: iso(e.periodStart),
  period_end: e.periodStart ? iso(new Date(new Date(e.periodStart).getTime() + 3_600_000)) : null,
  hours: hoursOf(e.usageUs),
  description: e.description,
  reference: e.reference,
  created_at: iso(e.createdAt),
});

export const usageJson = (u: UsageRow) => ({ app_id: u.appId, app_name: u.appName, day: u.day, hours: hoursOf(u.usageUs), cost: u.cost });

export const notificationJson = (n: BillingNotificationRow) => ({
  id: n.id, kind: n.kind, message: n.message, details: n.details, created_at: iso(n.createdAt), read_at: iso(n.readAt),
});

export const entryResultJson = (r: { org: OrgRef } & EntryResult) => ({
  organization: { id: r.org.id, name: r.org.name },
  entry: ledgerJson(r.entry),
  wallet: walletJson(r.wallet),
  suspended_apps: r.suspendedApps,
  resumed_apps: r.resumedApps,
});

export const orgBillingJson = (r: { org: OrgRef; unbilled: boolean; wallet: WalletSummary; resumedApps: number }) => ({
  id: r.org.id,
  name: r.org.name,
  unbilled: r.unbilled,
  wallet: walletJson(r.wallet),
  resumed_apps: r.resumedApps,
});

export const runJson = (r: BillingRunResult) => ({
  hours: r.hours.map((h) => ({ hour: h.hour, entries: h.entries, amount: h.amount, suspended_apps: h.suspendedApps })),
  entries: r.entries,
  amount: r.amount,
  suspended_apps: r.suspendedApps,
  grace_started_orgs: r.graceStartedOrgs,
  low_balance_orgs: r.lowBalanceOrgs,
  jobs_queued: r.jobsQueued,
});

export const billingStateJson = (s: { billedThrough: Date; eventsSeen: number; lastRunAt: Date | null }) => ({
  billed_through: iso(s.billedThrough),
  next_hour: iso(new Date(s.billedThrough.getTime() + 3_600_000)),
  events_seen: s.eventsSeen,
  last_run_at: iso(s.lastRunAt),
});

/** One CSV cell: quoted when needed; text that a spreadsheet would run as a formula is defused. */
export function csvCell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
export const csvLine = (cells: (string | number | null | undefined)[]) => `${cells.map(csvCell).join(',')}\r\n`;

export const LEDGER_CSV_HEADER = ['id', 'created_at', 'kind', 'amount', 'amount_usd', 'balance_after', 'app_id', 'app_name', 'period_start', 'hours', 'description'];
export const ledgerCsvLine = (e: LedgerEntryRow) =>
  csvLine([e.id, iso(e.createdAt), e.kind, e.amount, formatUsd(e.amount), e.balanceAfter ?? null, e.appId, e.appName, iso(e.periodStart), hoursOf(e.usageUs), e.description]);

export const USAGE_CSV_HEADER = ['app_id', 'app_name', 'day', 'hours', 'cost', 'cost_usd'];
export const usageCsvLine = (u: UsageRow) => csvLine([u.appId, u.appName, u.day, hoursOf(u.usageUs), u.cost, formatUsd(u.cost)]);
