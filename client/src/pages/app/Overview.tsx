import { useActivity, useDynos, useReleases } from '../../api/queries';
import type { Dyno } from '../../api/types';
import { Empty, StatusBadge, TimeAgo } from '../../components/ui';
import { QueryView } from '../../components/QueryView';
import { describeActivity } from '../../lib/activity';
import { useAppCtx } from './AppPage';
import { Link } from 'react-router';

export function DynoList({ dynos }: { dynos: Dyno[] }) {
  const byType = new Map<string, Dyno[]>();
  for (const d of dynos) byType.set(d.type, [...(byType.get(d.type) ?? []), d]);
  return (
    <div className="dyno-groups" data-testid="dynos">
      {[...byType].map(([type, ds]) => (
        <div key={type} className="dyno-group">
          <h3>
            {type} <span className="muted small">× {ds.length}</span>
          </h3>
          <ul className="dyno-list">
            {ds.map((d) => (
              <li key={d.name} data-dyno={d.name} data-state={d.state}>
                <span className={`dot dot-${d.state}`} aria-hidden="true" />
                <span className="mono">{d.name}</span>
                <span className="dyno-state">{d.state}</span>
                <span className="muted small">
                  v{d.release.version}
                  {d.restarts > 0 ? ` · ${d.restarts} restart${d.restarts === 1 ? '' : 's'}` : ''}
                  {d.created_at ? (
                    <>
                      {' · up since '}
                      <TimeAgo iso={d.created_at} />
                    </>
                  ) : null}
                </span>
              </li>
            ))}
          </ul>
        </div>
      ))}
    </div>
  );
}

export function Overview() {
  const { app } = useAppCtx();
  const dynos = useDynos(app.name);
  const releases = useReleases(app.name);
  const activity = useActivity(app.name);
  const current = releases.data?.find((r) => r.current) ?? releases.data?.[0];

  return (
    <div className="grid-2">
      <div className="card">
        <h2>Status</h2>
        <dl className="facts">
          <dt>Status</dt>
          <dd>
            <StatusBadge status={app.status} />
          </dd>
          <dt>Web URL</dt>
          <dd>
            <a href={app.web_url} target="_blank" rel="noreferrer noopener" data-testid="web-url">
              {app.web_url}
            </a>
          </dd>
          <dt>Current release</dt>
          <dd data-testid="current-release">
            {current ? (
              <>
                <strong>v{current.version}</strong> <span className="muted">{current.description}</span> · <TimeAgo iso={current.created_at} />
              </>
            ) : (
              <span className="muted">
                none yet — <Link to="deploy">push code</Link> to make the first
              </span>
            )}
          </dd>
          <dt>Plan</dt>
          <dd>{app.plan.name ?? '—'}</dd>
          <dt>Organization</dt>
          <dd>{app.organization.name}</dd>
        </dl>
      </div>
      <div className="card">
        <h2>Dynos</h2>
        <QueryView query={dynos} empty={<p className="muted">No dynos are running. They start after the first deploy, when a process type is scaled above zero.</p>}>
          {(list) => <DynoList dynos={list} />}
        </QueryView>
      </div>
      <div className="card span-2">
        <h2>Recent activity</h2>
        <QueryView query={activity} empty={<Empty title="Nothing has happened yet." />}>
          {(entries) => (
            <ul className="activity">
              {entries.slice(0, 15).map((a) => (
                <li key={a.id}>
                  <span>{describeActivity(a)}</span>
                  <span className="muted small">
                    {a.user?.email ?? 'Slipway'} · <TimeAgo iso={a.created_at} />
                  </span>
                </li>
              ))}
            </ul>
          )}
        </QueryView>
      </div>
    </div>
  );
}
