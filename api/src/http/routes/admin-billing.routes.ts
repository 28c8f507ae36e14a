// Billing pages of the admin console (/api/v1/admin/billing/…), beside the cursor, "Run now" and
// credits in billing.routes.ts. Platform admins.
//   GET /api/v1/admin/billing/runs          ?limit= the latest billing runs with their result or error
//   GET /api/v1/admin/billing/low-balance   organizations whose wallet is low or empty
//   GET /api/v1/admin/billing/ledger.csv    every organization's ledger, newest first
import { Router } from 'express';
import { z } from 'zod';
import { formatUsd } from '@slipway/core/services/billing/money';
import type { LedgerExportRow } from '@slipway/core/repositories/admin-billing.repository';
import type { BillingOverviewService } from '../../services/billing-overview.service.js';
import { requirePlatformAdmin } from '../middleware/auth.js';
import { billingRunJson, lowWalletJson } from '../serializers/admin.serializer.js';
import { csvLine, startCsv } from '../csv.js';

const Limit = z.object({ limit: z.coerce.number().int().min(1).max(200).default(20) });
const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

const LEDGER_HEADER = ['id', 'created_at', 'organization_id', 'organization', 'kind', 'amount', 'amount_usd', 'app_id', 'app_name', 'period_start', 'hours', 'description', 'reference'];
const ledgerRow = (e: LedgerExportRow) =>
  csvLine([e.id, iso(e.createdAt), e.orgId, e.orgName, e.kind, e.amount, formatUsd(e.amount), e.appId, e.appName, iso(e.periodStart), e.usageUs === null ? null : Math.round(e.usageUs / 360_000) / 10_000, e.description, e.reference]);

export function adminBillingRoutes(billing: BillingOverviewService): Router {
  const r = Router();
  r.use('/api/v1/admin/billing', requirePlatformAdmin);

  r.get('/api/v1/admin/billing/runs', async (req, res) => {
    res.json((await billing.runs(Limit.parse(req.query).limit)).map(billingRunJson));
  });

  r.get('/api/v1/admin/billing/low-balance', async (req, res) => {
    res.json((await billing.lowWallets(Limit.parse(req.query).limit)).map(lowWalletJson));
  });

  r.get('/api/v1/admin/billing/ledger.csv', async (_req, res) => {
    startCsv(res, `ledgers-${new Date().toISOString().slice(0, 10)}.csv`);
    res.write(csvLine(LEDGER_HEADER));
    for await (const page of billing.ledgerExport()) res.write(page.map(ledgerRow).join(''));
    res.end();
  });

  return r;
}
