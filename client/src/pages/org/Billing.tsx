// An organization's billing: the wallet (every member sees it: whoever deploys should know when
// the apps are about to be suspended), then for owners and admins the usage chart per app, the
// ledger and the CSV exports.
import { useMemo, useState } from 'react';
import { useBillingNotifications, useUsage, useWallet, usageCsvUrl } from '../../api/billing';
import { useSession } from '../../api/queries';
import { Empty, ErrorNote, Loading, TimeAgo } from '../../components/ui';
import { DataTable, QueryView } from '../../components/QueryView';
import { UsageChart } from '../../components/UsageChart';
import { LedgerCard } from '../../components/LedgerCard';
import { canManage, useCurrentOrg } from '../../lib/current-org';
import { formatHours, formatMoney, perHour } from '../../lib/money';
import { formatDuration, walletState, when } from '../../lib/wallet-state';

const day = (d: Date) => d.toISOString().slice(0, 10);
const RANGES = [7, 30, 90] as const;

export function BillingPage() {
  const { org } = useCurrentOrg();
  const session = useSession();
  if (!org) return <Loading />;
  return <Billing org={org.id} orgName={org.name} full={canManage(org.role) || !!session.data?.admin} role={org.role} />;
}

function WalletCard({ org }: { org: string }) {
  const wallet = useWallet(org);
  if (wallet.isPending) return <Loading />;
  if (wallet.error) return <ErrorNote error={wallet.error} />;
  const w = wallet.data;
  const state = walletState(w);
  const empty = w.balance <= 0 && !w.unbilled;
  return (
    <>
      <div className="stats" data-testid="wallet">
        <div className={`stat ${empty ? 'stat-bad' : ''}`}>
          <span className="stat-label">Balance</span>
          <span className="stat-value" data-testid="balance">
            {formatMoney(w.balance)}
          </span>
        </div>
        <div className="stat">
          <span className="stat-label">Burn rate</span>
          <span className="stat-value" data-testid="burn-rate">
            {perHour(w.burn_rate_per_hour)}
          </span>
        </div>
        <div className={`stat ${w.low_balance ? 'stat-warn' : ''} ${empty ? 'stat-bad' : ''}`}>
          <span className="stat-label">Time left at this rate</span>
          <span className="stat-value" data-testid="time-left">
            {w.unbilled ? 'not billed' : formatHours(w.hours_left)}
          </span>
        </div>
      </div>
      {state.kind === 'unbilled' ? (
        <p className="info-note" role="status" data-testid="wallet-state">
          This organization is not billed: its usage is metered, but never charged, and its apps are never suspended for the wallet.
        </p>
      ) : state.kind === 'suspended' ? (
        <p className="error-note" role="alert" data-testid="wallet-state">
          The wallet ran out: {state.apps} app{state.apps === 1 ? ' is' : 's are'} stopped since {when(state.since)}. They start again by themselves once
          the wallet is topped up above zero.
        </p>
      ) : state.kind === 'grace' ? (
        <p className="error-note" role="alert" data-testid="wallet-state">
          The wallet is empty. The apps keep running for {formatDuration(state.msLeft)} more (until {when(state.endsAt)}); top it up before then or they
          will be stopped.
        </p>
      ) : state.kind === 'grace-over' ? (
        <p className="error-note" role="alert" data-testid="wallet-state">
          The wallet is still empty and its grace period ended at {when(state.endsAt)}: the apps will be stopped at the next hourly billing run unless it
          is topped up.
        </p>
      ) : w.balance <= 0 ? (
        <p className="warn-note" role="status" data-testid="wallet-state">
          The wallet is empty. Nothing is suspended: when a charge finds it empty, the apps keep running for a grace period before they are stopped.
        </p>
      ) : w.low_balance ? (
        <p className="warn-note" role="status">
          The balance covers less than a day at the current burn rate. Top it up before the apps are suspended.
        </p>
      ) : null}
      <p className="muted small">
        {w.unbilled
          ? "Each hour, every running dyno's time is metered at its plan's hourly price; this organization is not charged for it."
          : "Each hour, every running dyno is charged its plan's hourly price for the time it ran."}{' '}
        Prices: <a href="/plans">Plans</a>.
      </p>
    </>
  );
}

function Billing({ org, orgName, full, role }: { org: string; orgName: string; full: boolean; role: string }) {
  const [days, setDays] = useState<(typeof RANGES)[number]>(30);
  const { from, to } = useMemo(() => {
    const end = new Date();
    end.setUTCHours(0, 0, 0, 0);
    end.setUTCDate(end.getUTCDate() + 1);
    const start = new Date(end.getTime() - days * 86_400_000);
    return { from: day(start), to: day(end) };
  }, [days]);
  const usage = useUsage(org, from, to, full);
  const notes = useBillingNotifications(org, full);
  const totals = useMemo(() => {
    const m = new Map<string, { hours: number; cost: number }>();
    for (const r of usage.data ?? []) {
      const t = m.get(r.app_name) ?? { hours: 0, cost: 0 };
      t.hours += r.hours ?? 0;
      t.cost += r.cost;
      m.set(r.app_name, t);
    }
    return [...m].sort((a, b) => a[1].cost - b[1].cost);
  }, [usage.data]);
  const total = totals.reduce((n, [, t]) => n + t.cost, 0);

  return (
    <section className="stack" aria-labelledby="billing-title">
      <h1 id="billing-title">
        Billing <span className="muted">for {orgName}</span>
      </h1>
      <div className="card">
        <h2>Wallet</h2>
        <WalletCard org={org} />
      </div>

      {!full ? (
        <p className="muted">Usage and the ledger are visible to the organization's owners and admins; your role is {role}.</p>
      ) : (
        <>
          {notes.data && notes.data.length > 0 && (
            <div className="card">
              <h2>Notices</h2>
              <ul className="activity">
                {notes.data.map((n) => (
                  <li key={n.id}>
                    <span>{n.message}</span>
                    <span className="muted small">
                      <TimeAgo iso={n.created_at} />
                    </span>
                  </li>
                ))}
              </ul>
            </div>
          )}

          <div className="card">
            <div className="card-head">
              <h2>Usage</h2>
              <div className="segmented" role="radiogroup" aria-label="Period">
                {RANGES.map((r) => (
                  <button key={r} type="button" role="radio" aria-checked={days === r} className={days === r ? 'on' : ''} onClick={() => setDays(r)}>
                    {r} days
                  </button>
                ))}
              </div>
            </div>
            <QueryView query={usage} empty={<Empty title="No usage in this period." />}>
              {(rows) => (
                <>
                  <UsageChart rows={rows} />
                  <DataTable testId="usage" columns={['App', { label: 'Dyno hours', numeric: true }, { label: 'Cost', numeric: true }]}>
                    {totals.map(([name, t]) => (
                      <tr key={name}>
                        <td data-label="App">{name}</td>
                        <td data-label="Dyno hours" className="num">
                          {t.hours.toLocaleString(undefined, { maximumFractionDigits: 2 })}
                        </td>
                        <td data-label="Cost" className="num">
                          {formatMoney(t.cost)}
                        </td>
                      </tr>
                    ))}
                    <tr>
                      <th scope="row">Total</th>
                      <td />
                      <td data-label="Total" className="num">
                        <strong>{formatMoney(total)}</strong>
                      </td>
                    </tr>
                  </DataTable>
                </>
              )}
            </QueryView>
            <p>
              <a className="btn btn-small" href={usageCsvUrl(org, from, to)} download>
                Download usage (CSV)
              </a>
            </p>
          </div>

          <LedgerCard org={org} />
        </>
      )}
    </section>
  );
}
