// Hourly billing: bills every closed UTC hour not billed yet, oldest first, one transaction per
// hour: charge every app that ran (one ledger entry per app-hour, ON CONFLICT DO NOTHING; metered
// at 0 for unbilled organizations), add exactly the inserted sums to the wallets, warn the
// organizations whose wallet a charge took to zero or below (their grace period starts), re-evaluate
// low balances, advance the cursor. Then, at the end of every run, suspend the apps of organizations
// whose grace period has run out with the balance still not above zero (balance-effects.ts): the
// scheduled run at minute 5 of each hour is what enforces a grace period's end, within the hour.
// Runs are serialised by a PostgreSQL advisory lock, so concurrent runners (and a retried job whose
// first attempt committed) bill each app-hour once. The hour in progress is never billed; an hour
// is billable once it ended at least `settleSeconds` ago (time for formation changes stamped just
// before the hour's end to commit). `until` moves the run's clock back (tests, catch-up by hand):
// hours end at or before it, and grace periods start and end by it.
// Used by the worker's hourly job and by POST /api/v1/admin/billing/run.
import type { Logger } from '../../logger.js';
import type { JobQueue } from '../../ports/job-queue.port.js';
import type { PoolClient } from '../../db/pool.js';
import { createRepositories, type Store } from '../../repositories/index.js';
import { inTransaction, withBillingRunLock } from '../../repositories/billing.repository.js';
import { applyBalanceEffects, suspendAfterGrace, type GracePolicy } from './balance-effects.js';
import { dispatchBillingOutbox } from './outbox.js';
import { HOUR_MS } from './money.js';

/** Test seams: called inside the hour's transaction; throwing rolls the hour back. */
export interface BillingFaults {
  /** After the hour's ledger entries are inserted, before the wallets are updated. */
  afterChargesInserted?(hour: Date): void | Promise<void>;
}

export interface BilledHour {
  hour: string;
  entries: number;
  /** Sum of the charges inserted (negative micro-units). */
  amount: number;
  suspendedApps: number;
}

export interface BillingRunResult {
  hours: BilledHour[];
  entries: number;
  amount: number;
  /** Apps suspended by this run (in the hours, and when grace periods ran out at its end). */
  suspendedApps: number;
  /** Organizations warned that their wallet ran out (grace period started). */
  graceStartedOrgs: number;
  lowBalanceOrgs: number;
  /** 'formation' deploy jobs queued for suspended apps. */
  jobsQueued: number;
}

export interface HourlyBillingRunDeps {
  store: Store;
  jobs: JobQueue;
  log: Logger;
  /** suspension_grace_hours in effect (read once per run). */
  graceHours: () => Promise<number>;
  /** Default 60. */
  settleSeconds?: number;
  faults?: BillingFaults;
}

const FAR_FUTURE = new Date('9999-01-01T00:00:00Z');

export class HourlyBillingRun {
  private readonly settleSeconds: number;

  constructor(private readonly deps: HourlyBillingRunDeps) {
    this.settleSeconds = deps.settleSeconds ?? 60;
  }

  /** Bills every closed hour that ends at or before `until` (default: now) and is not billed yet. */
  async run(opts: { until?: Date } = {}): Promise<BillingRunResult> {
    const { store, log } = this.deps;
    const started = Date.now();
    const policy: GracePolicy = { graceHours: await this.deps.graceHours(), clock: opts.until ?? null };
    let jobsQueued = await dispatchBillingOutbox(store, this.deps.jobs);
    const out = await withBillingRunLock(store.pool, async (client) => {
      const { billing } = createRepositories(client);
      const cursor = await billing.cursor(opts.until ?? FAR_FUTURE, this.settleSeconds);
      const next = new Date(cursor.billedThrough.getTime() + HOUR_MS);
      const first = cursor.firstHourOfNewEvents && cursor.firstHourOfNewEvents < next ? cursor.firstHourOfNewEvents : next;
      const billed: BilledHour[] = [];
      const lows = new Set<string>();
      let graceStarted = 0;
      for (let h = first.getTime(); h <= cursor.lastBillableHour.getTime(); h += HOUR_MS) {
        const hour = await this.billHour(client, new Date(h), policy);
        billed.push(hour.billed);
        graceStarted += hour.graceStarted;
        for (const o of hour.lowBalance) lows.add(o);
      }
      // Only a run that reached the cursor has looked at every hour a new event could touch.
      if (cursor.lastBillableHour >= cursor.billedThrough) await billing.markEventsSeen(cursor.highWater);
      const afterGrace = await inTransaction(client, () => suspendAfterGrace(createRepositories(client), policy.clock, { run: 'hourly' }));
      return { billed, lows: lows.size, graceStarted, afterGrace: afterGrace.length };
    });
    jobsQueued += await dispatchBillingOutbox(store, this.deps.jobs);
    const result: BillingRunResult = {
      hours: out.billed,
      entries: out.billed.reduce((n, h) => n + h.entries, 0),
      amount: out.billed.reduce((n, h) => n + h.amount, 0),
      suspendedApps: out.billed.reduce((n, h) => n + h.suspendedApps, 0) + out.afterGrace,
      graceStartedOrgs: out.graceStarted,
      lowBalanceOrgs: out.lows,
      jobsQueued,
    };
    log.info(
      {
        hours: result.hours.length, from: result.hours[0]?.hour, through: result.hours.at(-1)?.hour, entries: result.entries, amount: result.amount,
        suspendedApps: result.suspendedApps, graceStartedOrgs: result.graceStartedOrgs, ms: Date.now() - started,
      },
      'billing run finished',
    );
    return result;
  }

  private billHour(client: PoolClient, hour: Date, policy: GracePolicy): Promise<{ billed: BilledHour; graceStarted: number; lowBalance: string[] }> {
    return inTransaction(client, async () => {
      const repos = createRepositories(client);
      const charges = await repos.billing.chargeHour(hour);
      await this.deps.faults?.afterChargesInserted?.(hour);
      const changes = await repos.wallets.applyDeltas(charges.map((c) => ({ orgId: c.orgId, amount: c.amount })));
      const effects = await applyBalanceEffects(repos, changes, { hour: hour.toISOString() }, policy);
      await repos.billing.markBilled(hour);
      const billed: BilledHour = {
        hour: hour.toISOString(),
        entries: charges.reduce((n, c) => n + c.entries, 0),
        amount: charges.reduce((n, c) => n + c.amount, 0),
        suspendedApps: effects.suspended.length,
      };
      if (billed.entries || billed.suspendedApps) this.deps.log.debug({ ...billed, orgs: charges.length }, 'hour billed');
      return { billed, graceStarted: effects.graceStarted.length, lowBalance: effects.lowBalance };
    });
  }
}
