// The admin console's first page: how the platform is doing (people, apps, dynos, builds, money
// over 30 days, wallets running low) and what happened last.
import { Link } from 'react-router';
import { useOverview } from '../../api/admin';
import { ErrorNote, Loading, StatusBadge } from '../../components/ui';
import { MoneyChart } from '../../components/MoneyChart';
import { ActivityFeed } from './parts';
import { formatMoney } from '../../lib/money';

function Stat({ label, value, note, tone }: { label: string; value: string | number; note?: string; tone?: 'warn' | 'bad' }) {
  return (
    <div className={`stat ${tone ? `stat-${tone}` : ''}`} data-stat={label}>
      <span className="stat-label">{label}</span>
      <span className="stat-value">{value}</span>
      {note && <span className="muted small">{note}</span>}
    </div>
  );
}

export function AdminOverview() {
  const q = useOverview();
  if (q.isPending) return <Loading what="Loading the overview" />;
  if (q.error) return <ErrorNote error={q.error} />;
  const o = q.data;
  const revenue = o.money.filter((m) => m.kind === 'charge').reduce((n, m) => n - m.amount, 0);
  const credits = o.money.filter((m) => m.kind === 'credit').reduce((n, m) => n + m.amount, 0);
  const statuses = Object.entries(o.apps.by_status).sort((a, b) => b[1] - a[1]);
  const nodes = o.nodes ? Object.entries(o.nodes) : null;
  return (
    <section className="stack" aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      <div className="stats stats-6" data-testid="overview-stats">
        <Stat label="Users" value={o.users.total} note={`${o.users.new_30d} new in 30 days · ${o.users.admins} admin${o.users.admins === 1 ? '' : 's'}`} />
        <Stat label="Organizations" value={o.organizations.total} note={o.organizations.suspended ? `${o.organizations.suspended} suspended` : `${o.organizations.new_30d} new in 30 days`} tone={o.organizations.suspended ? 'warn' : undefined} />
        <Stat label="Apps" value={o.apps.total} note={`${o.apps.by_status.running ?? 0} running`} />
        <Stat label="Running dynos" value={o.dynos.running} />
        <Stat label="Nodes" value={nodes ? nodes.reduce((n, [, c]) => n + c, 0) : 1} note={nodes ? nodes.map(([s, c]) => `${c} ${s}`).join(' · ') : 'this machine (local runtime)'} />
        <Stat label="Builds today" value={o.builds.today} note={`${o.builds.failed_today} failed · ${o.builds.active} in progress`} tone={o.builds.failed_today ? 'warn' : undefined} />
      </div>

      <div className="grid-2">
        <div className="card span-2">
          <div className="card-head">
            <h2>Money, last 30 days</h2>
            <span className="muted small">
              <span className="key key-revenue" /> charged <strong data-testid="revenue-30d">{formatMoney(revenue, { maxDecimals: 2 })}</strong>
              {'  ·  '}
              <span className="key key-credits" /> credits added <strong data-testid="credits-30d">{formatMoney(credits, { maxDecimals: 2 })}</strong>
            </span>
          </div>
          <MoneyChart rows={o.money} />
        </div>

        <div className="card">
          <h2>Apps by status</h2>
          {statuses.length === 0 ? (
            <p className="muted">No apps yet.</p>
          ) : (
            <ul className="status-bars">
              {statuses.map(([status, n]) => (
                <li key={status}>
                  <StatusBadge status={status} />
                  <span className="bar" aria-hidden="true">
                    <span className={`bar-fill bar-${status}`} style={{ width: `${Math.max(2, Math.round((n / o.apps.total) * 100))}%` }} />
                  </span>
                  <strong>{n}</strong>
                </li>
              ))}
            </ul>
          )}
        </div>

        <div className="card">
          <div className="card-head">
            <h2>Wallets running low</h2>
            <Link to="/admin/billing" className="small">
              Billing →
            </Link>
          </div>
          {o.low_wallets.count === 0 ? (
            <p className="muted">Every wallet covers at least a day of its burn rate.</p>
          ) : (
            <ul className="item-list" data-testid="low-wallets">
              {o.low_wallets.top.map((w) => (
                <li key={w.organization.id}>
                  <Link to={`/admin/organizations/${w.organization.id}`}>{w.organization.name}</Link>
                  <span className={w.balance <= 0 ? 'neg' : ''}>{formatMoney(w.balance, { maxDecimals: 2 })}</span>
                </li>
              ))}
              {o.low_wallets.count > o.low_wallets.top.length && <li className="muted small">and {o.low_wallets.count - o.low_wallets.top.length} more</li>}
            </ul>
          )}
        </div>

        <div className="card span-2">
          <div className="card-head">
            <h2>Recent activity</h2>
            <Link to="/admin/activity" className="small">
              All activity →
            </Link>
          </div>
          <ActivityFeed entries={o.activity} testId="recent-activity" />
        </div>
      </div>
    </section>
  );
}
