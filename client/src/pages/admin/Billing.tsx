// Billing of the whole platform: the cursor (billed through which hour), the last runs and their
// results, "Run now", the organizations whose wallet is low or empty, and every ledger as CSV.
import { Link } from 'react-router';
import { allLedgersCsvUrl, useBillingAdminMutations, useBillingRuns, useBillingState, useLowWallets } from '../../api/admin';
import type { BillingRun } from '../../api/types';
import { ErrorNote, TimeAgo } from '../../components/ui';
import { DataTable, QueryView } from '../../components/QueryView';
import { formatHours, formatMoney, perHour } from '../../lib/money';

const hour = (iso: string | null | undefined) => (iso ? new Date(iso).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }) : '—');

function runSummary(r: BillingRun): string {
  if (!r.ok) return `Failed: ${r.error ?? 'unknown error'}`;
  const res = r.result as { hours?: unknown[]; entries?: number; amount?: number; suspended_apps?: number; suspendedApps?: number };
  const hours = Array.isArray(res.hours) ? res.hours.length : 0;
  const suspended = res.suspended_apps ?? res.suspendedApps ?? 0;
  if (hours === 0) return 'Nothing to bill: every closed hour was already billed.';
  return `${hours} hour${hours === 1 ? '' : 's'} billed: ${res.entries ?? 0} charge${res.entries === 1 ? '' : 's'}, ${formatMoney(-(res.amount ?? 0))}${suspended ? `; ${suspended} app${suspended === 1 ? '' : 's'} suspended` : ''}.`;
}

export function AdminBilling() {
  const state = useBillingState();
  const runs = useBillingRuns();
  const low = useLowWallets();
  const { runNow } = useBillingAdminMutations();
  const last = runs.data?.[0];
  return (
    <section className="stack" aria-labelledby="billing-title">
      <div className="card-head">
        <h1 id="billing-title">Billing</h1>
        <a className="btn" href={allLedgersCsvUrl} download>
          Download all ledgers (CSV)
        </a>
      </div>
      <div className="card">
        <div className="card-head">
          <h2>Hourly billing</h2>
          <button type="button" className="btn btn-primary" disabled={runNow.isPending} onClick={() => runNow.mutate()}>
            {runNow.isPending ? 'Billing…' : 'Run now'}
          </button>
        </div>
        <QueryView query={state}>
          {(cursor) => (
            <div className="stats" data-testid="billing-cursor">
              <div className="stat">
                <span className="stat-label">Billed through</span>
                <span className="stat-value stat-value-small">{hour(cursor.billed_through)}</span>
                <span className="muted small">the start of the last hour billed</span>
              </div>
              <div className="stat">
                <span className="stat-label">Next hour to bill</span>
                <span className="stat-value stat-value-small">{hour(cursor.next_hour)}</span>
                <span className="muted small">billed once it has ended</span>
              </div>
              <div className={`stat ${last && !last.ok ? 'stat-bad' : ''}`}>
                <span className="stat-label">Last run</span>
                <span className="stat-value stat-value-small">{last ? <TimeAgo iso={last.finished_at} /> : 'never'}</span>
                <span className="muted small" data-testid="last-run">
                  {last ? `${last.trigger === 'admin' ? `by ${last.user?.email ?? 'an admin'}` : 'scheduled'} · ${runSummary(last)}` : 'No run recorded yet.'}
                </span>
              </div>
            </div>
          )}
        </QueryView>
        <ErrorNote error={runNow.error} />
        {runNow.data && (
          <p className="ok-note" role="status">
            Billing ran: {runSummary({ ok: true, result: runNow.data } as unknown as BillingRun)}
          </p>
        )}
        {runs.data && runs.data.length > 0 && (
          <DataTable testId="billing-runs" columns={['Finished', 'Trigger', 'Result']}>
            {runs.data.map((r) => (
              <tr key={r.id}>
                <td data-label="Finished">
                  <TimeAgo iso={r.finished_at} />
                </td>
                <td data-label="Trigger">{r.trigger === 'admin' ? `Run now (${r.user?.email ?? 'admin'})` : 'hourly schedule'}</td>
                <td data-label="Result" className={r.ok ? '' : 'neg'}>
                  {runSummary(r)}
                </td>
              </tr>
            ))}
          </DataTable>
        )}
      </div>
      <div className="card">
        <h2>Low and empty wallets</h2>
        <QueryView query={low} empty={<p className="muted">Every wallet covers at least a day of its burn rate.</p>}>
          {(wallets) => (
            <DataTable testId="low-balance" columns={['Organization', { label: 'Balance', numeric: true }, { label: 'Burn rate', numeric: true }, 'Time left', 'Low since']}>
              {wallets.map((w) => (
                <tr key={w.organization.id}>
                  <td data-label="Organization">
                    <Link to={`/admin/organizations/${w.organization.id}`}>{w.organization.name}</Link>
                  </td>
                  <td data-label="Balance" className={`num ${w.balance <= 0 ? 'neg' : ''}`}>
                    {formatMoney(w.balance)}
                  </td>
                  <td data-label="Burn rate" className="num">
                    {perHour(w.burn_rate_per_hour)}
                  </td>
                  <td data-label="Time left">{formatHours(w.hours_left)}</td>
                  <td data-label="Low since">
                    <TimeAgo iso={w.low_since} />
                  </td>
                </tr>
              ))}
            </DataTable>
          )}
        </QueryView>
      </div>
    </section>
  );
}
