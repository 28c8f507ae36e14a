// The admin console's frame: platform admins only (anyone else is sent back to their apps; the api
// refuses them anyway), with its own navigation beside the page.
import { Navigate, NavLink, Outlet } from 'react-router';
import { useSession } from '../../api/queries';
import { Loading } from '../../components/ui';

const SECTIONS = [
  ['', 'Overview'],
  ['organizations', 'Organizations'],
  ['users', 'Users'],
  ['plans', 'Plans'],
  ['billing', 'Billing'],
  ['activity', 'Activity'],
  ['settings', 'Settings'],
] as const;

export function AdminLayout() {
  const session = useSession();
  if (session.isPending) return <Loading />;
  if (!session.data?.admin) return <Navigate to="/" replace />;
  return (
    <div className="admin-shell">
      <nav className="admin-nav" aria-label="Admin">
        <p className="admin-nav-title">Admin console</p>
        {SECTIONS.map(([path, label]) => (
          <NavLink key={path} to={path ? `/admin/${path}` : '/admin'} end={!path} data-section={path || 'overview'}>
            {label}
          </NavLink>
        ))}
      </nav>
      <div className="admin-page">
        <Outlet />
      </div>
    </div>
  );
}
