import { Link } from 'react-router';
import { usePlans, useSession } from '../api/queries';
import { Empty, ErrorNote, Loading } from '../components/ui';
import { DataTable } from '../components/QueryView';
import { perHour, perMonth } from '../lib/money';

const ram = (mb: number) => (mb >= 1024 ? `${+(mb / 1024).toFixed(1)} GB` : `${mb} MB`);

export function PlansPage() {
  const plans = usePlans();
  const session = useSession();
  if (plans.isPending) return <Loading what="Loading plans" />;
  if (plans.error) return <ErrorNote error={plans.error} />;
  const list = [...plans.data].sort((a, b) => a.price_per_hour - b.price_per_hour);
  return (
    <section aria-labelledby="plans-title">
      <h1 id="plans-title">Plans</h1>
      <p className="muted">
        Every process (dyno) runs on its app's plan and is billed by the hour it actually runs, from a prepaid wallet. Monthly prices assume
        730 hours.
      </p>
      {list.length === 0 ? (
        <Empty title="No plans are on offer yet." />
      ) : (
        <div className="plan-grid" data-testid="plans">
          {list.map((p) => (
            <article key={p.id} className={`card plan-card ${p.default ? 'plan-default' : ''}`} data-plan={p.name}>
              <h2>
                {p.name} {p.default && <span className="tag">default</span>}
              </h2>
              <p className="plan-price-big">
                {perMonth(p.price_per_month)}
                <span className="muted small"> per dyno</span>
              </p>
              <p className="muted">{perHour(p.price_per_hour)}</p>
              <ul className="plan-limits">
                <li>
                  <strong>{p.cpu}</strong> vCPU
                </li>
                <li>
                  <strong>{ram(p.ram_mb)}</strong> RAM
                </li>
                <li>
                  <strong>{p.disk_gb} GB</strong> disk
                </li>
                <li>
                  up to <strong>{p.max_replicas}</strong> dynos per process type
                </li>
              </ul>
            </article>
          ))}
        </div>
      )}
      <DataTable className="plans-table" caption="Plans compared" columns={['Plan', 'vCPU', 'RAM', 'Disk', 'Max dynos per type', 'Per hour', 'Per month']}>
        {list.map((p) => (
          <tr key={p.id}>
            <th scope="row">{p.name}</th>
            <td>{p.cpu}</td>
            <td>{ram(p.ram_mb)}</td>
            <td>{p.disk_gb} GB</td>
            <td>{p.max_replicas}</td>
            <td>{perHour(p.price_per_hour)}</td>
            <td>{perMonth(p.price_per_month)}</td>
          </tr>
        ))}
      </DataTable>
      {!session.data && (
        <p>
          <Link to="/login" className="btn btn-primary">
            Sign in to create an app
          </Link>
        </p>
      )}
    </section>
  );
}
