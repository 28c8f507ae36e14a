// Billing over HTTP. Money is integer micro-units (1 USD = 1,000,000); ledger amounts are signed
// (credits positive, charges negative).
//   GET  /api/v1/organizations/:org/wallet       → {balance, burn_rate_per_hour, hours_left, currency, low_balance}
//   GET  /api/v1/organizations/:org/ledger       newest first; ?limit=&before=<id> or Range: id ]<id>..; max=N;
//                                                ?from=&to= (created_at); ?format=csv (or Accept: text/csv) downloads all
//   GET  /api/v1/organizations/:org/usage        ?from=&to= → [{app_id, app_name, day, hours, cost}]; ?format=csv
//   GET  /api/v1/organizations/:org/billing-notifications
//   POST /api/v1/admin/organizations/:org/credits      {amount, note} (+ optional Idempotency-Key header)
//   POST /api/v1/admin/organizations/:org/adjustments  {amount (signed), note}
//   POST /api/v1/admin/billing/run                      {until?: ISO time}
//   GET  /api/v1/admin/billing                          the billing cursor
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { ValidationError } from '@slipway/core/errors';
import { MAX_ENTRY_AMOUNT, formatUsd } from '@slipway/core/services/billing/money';
import type { WalletSummary } from '@slipway/core/services/billing/wallet.service';
import type { BillingRunResult } from '@slipway/core/services/billing/billing-run.service';
import type { LedgerEntryRow, UsageRow } from '@slipway/core/repositories/wallet.repository';
import type { EntryResult } from '@slipway/core/services/billing/wallet.service';
import type { HttpContext } from '../context.js';
import { requireActor, requirePlatformAdmin } from '../middleware/auth.js';
import { parseRange } from '../range.js';
import { LEDGER_PAGE, type OrgRef } from '../../services/billing.service.js';

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);
const hoursOf = (us: number | null) => (us === null ? null : Math.round(us / 360_000) / 10_000);

const isoTime = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })])
  .transform((s) => new Date(s.length === 10 ? `${s}T00:00:00Z` : s));

const LedgerQuery = z.object({
  limit: z.coerce.number().int().min(1).max(LEDGER_PAGE.max).optional(),
  before: z.coerce.number().int().positive().optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  format: z.enum(['json', 'csv']).optional(),
});
const UsageQuery = z.object({ from: isoTime.optional(), to: isoTime.optional(), format: z.enum(['json', 'csv']).optional() });
const CreditBody = z.object({ amount: z.number().int().positive().max(MAX_ENTRY_AMOUNT), note: z.string().max(500).optional() });
const AdjustmentBody = z.object({
  amount: z.number().int().min(-MAX_ENTRY_AMOUNT).max(MAX_ENTRY_AMOUNT).refine((n) => n !== 0, 'must not be 0'),
  note: z.string().min(1).max(500),
});
const RunBody = z.object({ until: z.iso.datetime({ offset: true }).optional() });
const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{8,128}$/;

export const walletJson = (w: WalletSummary) => ({
  balance: w.balance,
  burn_rate_per_hour: w.burnRatePerHour,
  hours_left: w.hoursLeft,
  currency: w.currency,
  low_balance: w.lowBalance,
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

const usageJson = (u: UsageRow) => ({ app_id: u.appId, app_name: u.appName, day: u.day, hours: hoursOf(u.usageUs), cost: u.cost });

const entryResultJson = (r: { org: OrgRef } & EntryResult) => ({
  organization: { id: r.org.id, name: r.org.name },
  entry: ledgerJson(r.entry),
  wallet: walletJson(r.wallet),
  suspended_apps: r.suspendedApps,
  resumed_apps: r.resumedApps,
});

const runJson = (r: BillingRunResult) => ({
  hours: r.hours.map((h) => ({ hour: h.hour, entries: h.entries, amount: h.amount, suspended_apps: h.suspendedApps })),
  entries: r.entries,
  amount: r.amount,
  suspended_apps: r.suspendedApps,
  low_balance_orgs: r.lowBalanceOrgs,
  jobs_queued: r.jobsQueued,
});

/** One CSV cell: quoted when needed; text that a spreadsheet would run as a formula is defused. */
export function csvCell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
const csvLine = (cells: (string | number | null | undefined)[]) => `${cells.map(csvCell).join(',')}\r\n`;

const LEDGER_CSV_HEADER = ['id', 'created_at', 'kind', 'amount', 'amount_usd', 'balance_after', 'app_id', 'app_name', 'period_start', 'hours', 'description'];
const ledgerCsvLine = (e: LedgerEntryRow) =>
  csvLine([e.id, iso(e.createdAt), e.kind, e.amount, formatUsd(e.amount), e.balanceAfter ?? null, e.appId, e.appName, iso(e.periodStart), hoursOf(e.usageUs), e.description]);

const wantsCsv = (req: Request, format: string | undefined) => format === 'csv' || (format === undefined && /\btext\/csv\b/.test(req.get('accept') ?? ''));

function startCsv(res: Response, filename: string): void {
  res.status(200);
  res.setHeader('content-type', 'text/csv; charset=utf-8');
  res.setHeader('content-disposition', `attachment; filename="${filename}"`);
}

/** ?limit&before, or a Range header `id ]<id>..; max=N` (newest first either way). */
function ledgerPage(req: Request, q: z.infer<typeof LedgerQuery>): { before?: number; limit: number; ranged: boolean } {
  const header = req.get('range');
  if (!header) return { before: q.before, limit: q.limit ?? LEDGER_PAGE.default, ranged: false };
  const range = parseRange(header, ['id'], { max: LEDGER_PAGE.default, maxLimit: LEDGER_PAGE.max });
  if (range.start !== undefined && !/^\d+$/.test(range.start)) throw new ValidationError('Range start must be a ledger entry id.');
  const start = range.start === undefined ? undefined : Number(range.start);
  return { before: start === undefined ? undefined : range.startExclusive ? start : start + 1, limit: range.max, ranged: true };
}

const orgOf = (req: Request) => String(req.params.org);

export function billingRoutes(ctx: HttpContext): Router {
  const r = Router();
  const { billing, billingAdmin } = ctx.services;

  r.get('/api/v1/organizations/:org/wallet', requireActor, async (req, res) => {
    const { wallet } = await billing.wallet(req.actor!.user, orgOf(req));
    res.json(walletJson(wallet));
  });

  r.get('/api/v1/organizations/:org/ledger', requireActor, async (req, res) => {
    const q = LedgerQuery.parse(req.query);
    if (wantsCsv(req, q.format)) {
      const { org, pages } = await billing.ledgerExport(req.actor!.user, orgOf(req), { from: q.from, to: q.to });
      startCsv(res, `ledger-${org.name}.csv`);
      res.write(csvLine(LEDGER_CSV_HEADER));
      for await (const page of pages) res.write(page.map(ledgerCsvLine).join(''));
      res.end();
      return;
    }
    const page = ledgerPage(req, q);
    const { entries, more } = await billing.ledger(req.actor!.user, orgOf(req), { before: page.before, limit: page.limit, from: q.from, to: q.to });
    if (more) {
      res.setHeader('Next-Range', `id ]${entries.at(-1)!.id}..; max=${page.limit}, order=desc`);
      if (page.ranged) res.status(206);
    }
    res.json(entries.map(ledgerJson));
  });

  r.get('/api/v1/organizations/:org/usage', requireActor, async (req, res) => {
    const q = UsageQuery.parse(req.query);
    const { org, from, to, rows } = await billing.usage(req.actor!.user, orgOf(req), { from: q.from, to: q.to });
    if (!wantsCsv(req, q.format)) {
      res.json(rows.map(usageJson));
      return;
    }
    startCsv(res, `usage-${org.name}-${from.toISOString().slice(0, 10)}-${to.toISOString().slice(0, 10)}.csv`);
    res.write(csvLine(['app_id', 'app_name', 'day', 'hours', 'cost', 'cost_usd']));
    res.end(rows.map((u) => csvLine([u.appId, u.appName, u.day, hoursOf(u.usageUs), u.cost, formatUsd(u.cost)])).join(''));
  });

  r.get('/api/v1/organizations/:org/billing-notifications', requireActor, async (req, res) => {
    const { limit } = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }).parse(req.query);
    const { notifications } = await billing.notifications(req.actor!.user, orgOf(req), limit);
    res.json(notifications.map((n) => ({ id: n.id, kind: n.kind, message: n.message, details: n.details, created_at: iso(n.createdAt), read_at: iso(n.readAt) })));
  });

  r.post('/api/v1/admin/organizations/:org/credits', requirePlatformAdmin, async (req, res) => {
    const body = CreditBody.parse(req.body ?? {});
    const key = req.get('idempotency-key');
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) throw new ValidationError('Idempotency-Key must be 8 to 128 letters, digits or ._:- characters.');
    const result = await billingAdmin.topUp(req.actor!.user.id, orgOf(req), { amount: body.amount, note: body.note, idempotencyKey: key });
    res.status(result.created ? 201 : 200).json(entryResultJson(result));
  });

  r.post('/api/v1/admin/organizations/:org/adjustments', requirePlatformAdmin, async (req, res) => {
    const body = AdjustmentBody.parse(req.body ?? {});
    res.status(201).json(entryResultJson(await billingAdmin.adjust(req.actor!.user.id, orgOf(req), body)));
  });

  r.post('/api/v1/admin/billing/run', requirePlatformAdmin, async (req, res) => {
    const { until } = RunBody.parse(req.body ?? {});
    res.json(runJson(await billingAdmin.run(req.actor!.user.id, until ? new Date(until) : undefined)));
  });

  r.get('/api/v1/admin/billing', requirePlatformAdmin, async (_req, res) => {
    const s = await billingAdmin.state();
    res.json({ billed_through: iso(s.billedThrough), next_hour: iso(new Date(s.billedThrough.getTime() + 3_600_000)), events_seen: s.eventsSeen, last_run_at: iso(s.lastRunAt) });
  });

  return r;
}
