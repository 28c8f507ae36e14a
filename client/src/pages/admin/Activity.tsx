// The platform's activity log: who did what, when and from where; filtered by actor, type,
// organization and date (kept in the URL so a filtered view can be shared), paged, exported as CSV.
// OrgActivity: the latest entries of one organization, on its page.
import { useState, type FormEvent } from 'react';
import { Link, useSearchParams } from 'react-router';
import { activityCsvUrl, useActivityLog, useActivityTypes, type ActivityFilter } from '../../api/admin';
import type { AuditEntry } from '../../api/types';
import { Empty } from '../../components/ui';
import { DataTable, QueryView } from '../../components/QueryView';
import { describeActivity } from '../../lib/activity';

const FIELDS = ['actor', 'type', 'organization', 'from', 'to'] as const;
const when = (iso: string) => new Date(iso).toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });

function Rows({ entries, showOrg = true }: { entries: AuditEntry[]; showOrg?: boolean }) {
  return (
    <DataTable testId="activity-log" columns={['When', 'Who', 'What', ...(showOrg ? ['Organization'] : []), 'From']}>
      {entries.map((a) => (
        <tr key={a.id} data-action={a.action}>
          <td data-label="When" className="nowrap small">
            <time dateTime={a.created_at}>{when(a.created_at)}</time>
          </td>
          <td data-label="Who">{a.actor ? <Link to={`/admin/users/${a.actor.id}`}>{a.actor.email}</Link> : <span className="muted">Slipway</span>}</td>
          <td data-label="What">
            {describeActivity(a)} <span className="tag mono">{a.action}</span>
          </td>
          {showOrg && <td data-label="Organization">{a.organization ? <Link to={`/admin/organizations/${a.organization.id}`}>{a.organization.name}</Link> : <span className="muted">platform</span>}</td>}
          <td data-label="From" className="mono small">
            {a.ip ?? '—'}
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

export function AdminActivity() {
  const [params, setParams] = useSearchParams();
  const filter: ActivityFilter = Object.fromEntries(FIELDS.map((k) => [k, params.get(k) ?? '']).filter(([, v]) => v));
  const [draft, setDraft] = useState<ActivityFilter>(filter);
  const log = useActivityLog(filter);
  const types = useActivityTypes();
  const entries = log.data?.pages.flatMap((p) => p.entries) ?? [];
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setParams(Object.fromEntries(Object.entries(draft).filter(([, v]) => v)) as Record<string, string>);
  };
  const families = [...new Set((types.data ?? []).map((t) => t.split('.')[0]!))];
  return (
    <section className="stack" aria-labelledby="activity-title">
      <div className="card-head">
        <h1 id="activity-title">Activity</h1>
        <a className="btn btn-small" href={activityCsvUrl(filter)} download>
          Download CSV
        </a>
      </div>
      <form className="card filters" onSubmit={apply} aria-label="Filter activity">
        <label className="field grow">
          <span>Who</span>
          <input value={draft.actor ?? ''} onChange={(e) => setDraft({ ...draft, actor: e.target.value })} placeholder="email contains…" aria-label="Filter by actor" />
        </label>
        <label className="field">
          <span>Type</span>
          <select value={draft.type ?? ''} onChange={(e) => setDraft({ ...draft, type: e.target.value })} aria-label="Filter by type">
            <option value="">any</option>
            {families.map((f) => (
              <optgroup key={f} label={f}>
                <option value={f}>{f}.* (all)</option>
                {(types.data ?? [])
                  .filter((t) => t.startsWith(`${f}.`))
                  .map((t) => (
                    <option key={t} value={t}>
                      {t}
                    </option>
                  ))}
              </optgroup>
            ))}
          </select>
        </label>
        <label className="field">
          <span>From</span>
          <input type="date" value={draft.from ?? ''} onChange={(e) => setDraft({ ...draft, from: e.target.value })} aria-label="From date" />
        </label>
        <label className="field">
          <span>To (before)</span>
          <input type="date" value={draft.to ?? ''} onChange={(e) => setDraft({ ...draft, to: e.target.value })} aria-label="To date" />
        </label>
        <div className="filter-actions">
          <button type="submit" className="btn btn-primary">
            Filter
          </button>
          <button type="button" className="btn" onClick={() => (setDraft({}), setParams({}))}>
            Clear
          </button>
        </div>
        {filter.organization && (
          <p className="muted small filter-note">
            Showing one organization only. <Link to="/admin/activity">Show everything</Link>
          </p>
        )}
      </form>
      <div className="card">
        <QueryView query={{ isPending: log.isPending, error: log.error, data: entries }} empty={<Empty title="No activity matches these filters." />}>
          {(rows) => (
            <>
              <Rows entries={rows} />
              {log.hasNextPage && (
                <button type="button" className="btn" onClick={() => log.fetchNextPage()} disabled={log.isFetchingNextPage}>
                  {log.isFetchingNextPage ? 'Loading…' : 'Load older entries'}
                </button>
              )}
            </>
          )}
        </QueryView>
      </div>
    </section>
  );
}

export function OrgActivity({ org }: { org: string }) {
  const log = useActivityLog({ organization: org });
  const entries = log.data?.pages[0]?.entries.slice(0, 10) ?? [];
  return (
    <div className="card">
      <div className="card-head">
        <h2>Activity</h2>
        <Link to={`/admin/activity?organization=${org}`} className="small">
          All of it →
        </Link>
      </div>
      <QueryView query={{ isPending: log.isPending, error: log.error, data: entries }} empty={<p className="muted">Nothing yet.</p>}>
        {(rows) => <Rows entries={rows} showOrg={false} />}
      </QueryView>
    </div>
  );
}
