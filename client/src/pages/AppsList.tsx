import { useDeferredValue, useState } from 'react';
import { Link } from 'react-router';
import { useApps } from '../api/queries';
import { Empty, ErrorNote, Loading, StatusBadge, TimeAgo } from '../components/ui';
import { DataTable } from '../components/QueryView';
import { canDeploy, useCurrentOrg } from '../lib/current-org';
import { perHour } from '../lib/money';
import { suspensionLabel, suspensionText } from '../lib/wallet-state';

export function AppsList() {
  const { org, loading: orgLoading, error: orgError } = useCurrentOrg();
  const apps = useApps(org?.id, { enabled: !!org });
  const [search, setSearch] = useState('');
  const q = useDeferredValue(search.trim().toLowerCase());
  const mayCreate = canDeploy(org?.role);

  if (orgError) return <ErrorNote error={orgError} />;
  if (orgLoading || (org && apps.isPending)) return <Loading what="Loading apps" />;
  if (apps.error) return <ErrorNote error={apps.error} prefix="Could not load apps" />;
  const list = apps.data ?? [];
  const shown = q ? list.filter((a) => a.name.includes(q) || (a.plan.name ?? '').toLowerCase().includes(q) || a.status.includes(q)) : list;

  return (
    <section aria-labelledby="apps-title">
      <div className="page-head">
        <h1 id="apps-title">Apps {org && <span className="muted">in {org.name}</span>}</h1>
        {mayCreate && (
          <Link to="/new-app" className="btn btn-primary">
            Create app
          </Link>
        )}
      </div>

      {list.length === 0 ? (
        <Empty title="No apps yet">
          {mayCreate ? (
            <>
              <p>
                An app is code you push with git. Create one, then <code>git push slipway main</code> and Slipway builds and runs it at
                its own web address.
              </p>
              <Link to="/new-app" className="btn btn-primary">
                Create your first app
              </Link>
            </>
          ) : (
            <p>This organization has no apps yet. Members with the member role or above can create them.</p>
          )}
        </Empty>
      ) : (
        <>
          <div className="toolbar">
            <label className="search">
              <span className="sr-only">Search apps</span>
              <input type="search" placeholder={`Search ${list.length} app${list.length === 1 ? '' : 's'}`} value={search} onChange={(e) => setSearch(e.target.value)} aria-label="Search apps" />
            </label>
          </div>
          {shown.length === 0 ? (
            <Empty title={`No app matches “${search}”.`} />
          ) : (
            <DataTable testId="apps-table" className="apps-table" columns={['Name', 'Status', 'Last deploy', 'Plan', 'Web URL']}>
              {shown.map((a) => (
                <tr key={a.id} data-app={a.name}>
                  <td data-label="Name">
                    <Link to={`/app/${encodeURIComponent(a.name)}`} className="app-link">
                      {a.name}
                    </Link>
                    {a.maintenance && <span className="tag">maintenance</span>}
                  </td>
                  <td data-label="Status">
                    <StatusBadge status={a.status} />
                    {suspensionLabel(a) && (
                      <span className="tag tag-warn" title={suspensionText(a) ?? undefined} data-testid="suspension-reason">
                        {suspensionLabel(a)}
                      </span>
                    )}
                  </td>
                  <td data-label="Last deploy">
                    <TimeAgo iso={a.released_at} />
                  </td>
                  <td data-label="Plan">
                    {a.plan.name ?? '—'}
                    {a.plan.price_per_hour !== undefined && <span className="muted small"> · {perHour(a.plan.price_per_hour)}</span>}
                  </td>
                  <td data-label="Web URL" className="url-cell">
                    <a href={a.web_url} target="_blank" rel="noreferrer noopener">
                      {a.web_url.replace(/^https?:\/\//, '').replace(/\/$/, '')}
                    </a>
                  </td>
                </tr>
              ))}
            </DataTable>
          )}
        </>
      )}
    </section>
  );
}
