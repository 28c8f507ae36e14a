// Billing over HTTP. Money is integer micro-units (1 USD = 1,000,000); ledger amounts are signed
// (credits positive, charges negative; 'usage' entries of unbilled organizations are 0).
//   GET  /api/v1/organizations/:org/wallet       → {balance, burn_rate_per_hour, hours_left, currency, low_balance,
//                                                   unbilled, grace: {started_at, ends_at} | null,
//                                                   suspensions: [{reason: 'wallet'|'admin', apps, since}]}
//                                                grace is set from the charge that emptied the wallet until a credit
//                                                brings it above zero; the apps are stopped after ends_at (by the next
//                                                hourly run) if it is still empty. burn_rate_per_hour is 0 when unbilled.
//   GET  /api/v1/organizations/:org/ledger       newest first; ?limit=&before=<id> or Range: id ]<id>..; max=N;
//                                                ?from=&to= (created_at); ?format=csv (or Accept: text/csv) downloads all
//   GET  /api/v1/organizations/:org/usage        ?from=&to= → [{app_id, app_name, day, hours, cost}] (metered hours,
//                                                charged or not); ?format=csv
//   GET  /api/v1/organizations/:org/billing-notifications  [{id, kind: low_balance|wallet_empty|grace_cancelled|
//                                                suspended|resumed, message, details, created_at, read_at}]
//   PATCH /api/v1/admin/organizations/:org             {"unbilled": true|false} (platform admins; :org is an id or
//                                                name) → 200 {id, name, unbilled, wallet: <as GET wallet>,
//                                                resumed_apps}. Unbilled: usage is metered, never charged, never
//                                                suspended (a pending suspension is cancelled, apps suspended for the
//                                                wallet are restored). Billed again: charged from the next hour; an
//                                                empty wallet starts a grace period at the next charge. Any other
//                                                field is refused (400); an unknown organization is 404.
//   POST /api/v1/admin/organizations/:org/credits      {amount, note} (+ optional Idempotency-Key header)
//   POST /api/v1/admin/organizations/:org/adjustments  {amount (signed), note}
//   POST /api/v1/admin/billing/run                      {until?: ISO time} (until moves the run's clock back)
//   GET  /api/v1/admin/billing                          the billing cursor
import { Router, type Request } from 'express';
import { z } from 'zod';
import { ValidationError } from '@slipway/core/errors';
import { MAX_ENTRY_AMOUNT } from '@slipway/core/services/billing/money';
import type { HttpContext } from '../context.js';
import { startCsv } from '../csv.js';
import { requireActor, requirePlatformAdmin } from '../middleware/auth.js';
import { parseRange } from '../range.js';
import { LEDGER_PAGE } from '../../services/billing-reports.service.js';
import {
  LEDGER_CSV_HEADER, USAGE_CSV_HEADER, billingStateJson, csvLine, entryResultJson, ledgerCsvLine, ledgerJson, notificationJson, orgBillingJson, runJson, usageCsvLine, usageJson, walletJson,
} from '../serializers/billing.serializer.js';

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
const OrgBillingBody = z.strictObject({ unbilled: z.boolean({ error: 'unbilled must be true or false' }) });
const RunBody = z.object({ until: z.iso.datetime({ offset: true }).optional() });
const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{8,128}$/;

const wantsCsv = (req: Request, format: string | undefined) => format === 'csv' || (format === undefined && /\btext\/csv\b/.test(req.get('accept') ?? ''));

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
  const { billingReports: reports, walletOperations } = ctx.services;

  r.get('/api/v1/organizations/:org/wallet', requireActor, async (req, res) => {
    const { wallet } = await reports.wallet(req.actor!.user, orgOf(req));
    res.json(walletJson(wallet));
  });

  r.get('/api/v1/organizations/:org/ledger', requireActor, async (req, res) => {
    const q = LedgerQuery.parse(req.query);
    if (wantsCsv(req, q.format)) {
      const { org, pages } = await reports.ledgerExport(req.actor!.user, orgOf(req), { from: q.from, to: q.to });
      startCsv(res, `ledger-${org.name}.csv`);
      res.write(csvLine(LEDGER_CSV_HEADER));
      for await (const page of pages) res.write(page.map(ledgerCsvLine).join(''));
      res.end();
      return;
    }
    const page = ledgerPage(req, q);
    const { entries, more } = await reports.ledger(req.actor!.user, orgOf(req), { before: page.before, limit: page.limit, from: q.from, to: q.to });
    if (more) {
      res.setHeader('Next-Range', `id ]${entries.at(-1)!.id}..; max=${page.limit}, order=desc`);
      if (page.ranged) res.status(206);
    }
    res.json(entries.map(ledgerJson));
  });

  r.get('/api/v1/organizations/:org/usage', requireActor, async (req, res) => {
    const q = UsageQuery.parse(req.query);
    const { org, from, to, rows } = await reports.usage(req.actor!.user, orgOf(req), { from: q.from, to: q.to });
    if (!wantsCsv(req, q.format)) {
      res.json(rows.map(usageJson));
      return;
    }
    startCsv(res, `usage-${org.name}-${from.toISOString().slice(0, 10)}-${to.toISOString().slice(0, 10)}.csv`);
    res.write(csvLine(USAGE_CSV_HEADER));
    res.end(rows.map(usageCsvLine).join(''));
  });

  r.get('/api/v1/organizations/:org/billing-notifications', requireActor, async (req, res) => {
    const { limit } = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }).parse(req.query);
    const { notifications } = await reports.notifications(req.actor!.user, orgOf(req), limit);
    res.json(notifications.map(notificationJson));
  });

  r.patch('/api/v1/admin/organizations/:org', requirePlatformAdmin, async (req, res) => {
    const { unbilled } = OrgBillingBody.parse(req.body ?? {});
    res.json(orgBillingJson(await walletOperations.setUnbilled(req.actor!.user.id, orgOf(req), unbilled)));
  });

  r.post('/api/v1/admin/organizations/:org/credits', requirePlatformAdmin, async (req, res) => {
    const body = CreditBody.parse(req.body ?? {});
    const key = req.get('idempotency-key');
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) throw new ValidationError('Idempotency-Key must be 8 to 128 letters, digits or ._:- characters.');
    const result = await walletOperations.topUp(req.actor!.user.id, orgOf(req), { amount: body.amount, note: body.note, idempotencyKey: key });
    res.status(result.created ? 201 : 200).json(entryResultJson(result));
  });

  r.post('/api/v1/admin/organizations/:org/adjustments', requirePlatformAdmin, async (req, res) => {
    const body = AdjustmentBody.parse(req.body ?? {});
    res.status(201).json(entryResultJson(await walletOperations.adjust(req.actor!.user.id, orgOf(req), body)));
  });

  r.post('/api/v1/admin/billing/run', requirePlatformAdmin, async (req, res) => {
    const { until } = RunBody.parse(req.body ?? {});
    res.json(runJson(await walletOperations.run(req.actor!.user.id, until ? new Date(until) : undefined)));
  });

  r.get('/api/v1/admin/billing', requirePlatformAdmin, async (_req, res) => {
    res.json(billingStateJson(await walletOperations.state()));
  });

  return r;
}
