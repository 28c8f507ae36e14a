// Every organization, searchable by name or a member's email, with its wallet and state.
import { useDeferredValue, useState } from 'react';
import { Link } from 'react-router';
import { useAdminOrgs } from '../../api/admin';
import { Empty, SearchField, TimeAgo } from '../../components/ui';
import { DataTable, QueryView } from '../../components/QueryView';
import { formatMoney } from '../../lib/money';

export function AdminOrganizations() {
  const [q, setQ] = useState('');
  const search = useDeferredValue(q.trim());
  const orgs = useAdminOrgs(search);
  return (
    <section className="stack" aria-labelledby="orgs-title">
      <h1 id="orgs-title">Organizations</h1>
      <div className="card">
        <SearchField label="Search organizations" placeholder="Search by name or a member's email" value={q} onChange={setQ} />
        <QueryView query={orgs} empty={<Empty title={search ? `No organization matches “${search}”.` : 'No organizations yet.'} />}>
          {(list) => (
            <DataTable testId="admin-orgs" columns={['Organization', { label: 'Members', numeric: true }, { label: 'Apps', numeric: true }, { label: 'Balance', numeric: true }, 'State', 'Created']}>
              {list.map((o) => (
                <tr key={o.id} data-org={o.name}>
                  <td data-label="Organization">
                    <Link to={`/admin/organizations/${o.id}`} className="app-link">
                      {o.name}
                    </Link>
                    {o.personal && <span className="tag">personal</span>}
                  </td>
                  <td data-label="Members" className="num">
                    {o.members}
                  </td>
                  <td data-label="Apps" className="num">
                    {o.apps}
                  </td>
                  <td data-label="Balance" className={`num ${o.balance < 0 ? 'neg' : ''}`}>
                    {formatMoney(o.balance, { maxDecimals: 2 })}
                  </td>
                  <td data-label="State">{o.suspended_apps > 0 ? <span className="badge badge-suspended">suspended</span> : <span className="badge badge-running">active</span>}</td>
                  <td data-label="Created">
                    <TimeAgo iso={o.created_at} />
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
