// One app: a header with its status and web URL, then tabs (each a child route).
import { NavLink, Outlet, useOutletContext, useParams } from 'react-router';
import { useApp } from '../../api/queries';
import type { App } from '../../api/types';
import { Empty, ErrorNote, Loading, StatusBadge } from '../../components/ui';
import { suspensionText } from '../../lib/wallet-state';
import { Link } from 'react-router';

const TABS = [
  ['', 'Overview'],
  ['deploy', 'Deploy'],
  ['releases', 'Releases'],
  ['config', 'Config vars'],
  ['resources', 'Resources'],
  ['domains', 'Domains'],
  ['logs', 'Logs'],
  ['settings', 'Settings'],
] as const;

export interface AppCtx {
  app: App;
  /** The caller may deploy, configure and scale (member or above). */
  canDeploy: boolean;
  /** The caller may delete the app (admin or above). */
  canDelete: boolean;
}

export const useAppCtx = () => useOutletContext<AppCtx>();

export function AppPage() {
  const { app: name = '' } = useParams();
  const q = useApp(name);
  if (q.isPending) return <Loading what={`Loading ${name}`} />;
  if (q.error) {
    if (q.error.status === 404)
      return (
        <Empty title={`There is no app named “${name}” that you can see.`}>
          <Link to="/">Back to your apps</Link>
        </Empty>
      );
    return <ErrorNote error={q.error} />;
  }
  const app = q.data;
  const role = app.role;
  const ctx: AppCtx = { app, canDeploy: role !== 'viewer', canDelete: role === 'owner' || role === 'admin' };
  const base = `/app/${encodeURIComponent(app.name)}`;
  return (
    <section aria-labelledby="app-title">
      <div className="app-head">
        <div>
          <p className="crumbs muted small">
            <Link to="/">{app.organization.name}</Link> /
          </p>
          <h1 id="app-title" className="app-name">
            {app.name}
          </h1>
        </div>
        <StatusBadge status={app.status} />
        {app.maintenance && <span className="tag tag-warn">maintenance on</span>}
        {role === 'viewer' && <span className="tag">read-only (viewer)</span>}
        <a className="btn" href={app.web_url} target="_blank" rel="noreferrer noopener">
          Open app ↗
        </a>
        {suspensionText(app) && (
          <p className="error-note suspension-note" role="status" data-testid="suspension">
            {suspensionText(app)}
          </p>
        )}
      </div>
      <nav className="tabs" aria-label="App sections">
        {TABS.map(([path, label]) => (
          <NavLink key={path} to={path ? `${base}/${path}` : base} end={!path} data-tab={path || 'overview'}>
            {label}
          </NavLink>
        ))}
      </nav>
      <div className="tab-panel">
        <Outlet context={ctx} />
      </div>
    </section>
  );
}
