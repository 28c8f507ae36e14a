// The signed-in frame: header with the organization switcher, main navigation, account and sign-out,
// and the current organization's wallet banner (grace period, suspended apps).
import { Logo } from './Logo';
import { NavLink, Outlet, useNavigate } from 'react-router';
import { useSession } from '../api/queries';
import { useSessionMutations } from '../api/mutations';
import { useCurrentOrg } from '../lib/current-org';
import { WalletBanner } from './WalletBanner';

export function Layout() {
  const session = useSession();
  const { org, orgs, choose } = useCurrentOrg();
  const navigate = useNavigate();
  const { signOut } = useSessionMutations();

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <NavLink to="/" className="brand" aria-label="Slipway home">
          <Logo />{' '}
          Slipway
        </NavLink>
        <label className="org-switch">
          <span className="sr-only">Organization</span>
          <select value={org?.id ?? ''} onChange={(e) => choose(e.target.value)} aria-label="Organization" data-testid="org-switcher">
            {orgs.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
                {o.personal ? ' (personal)' : ''}
              </option>
            ))}
          </select>
        </label>
        <nav className="mainnav" aria-label="Main">
          <NavLink to="/" end>
            Apps
          </NavLink>
          <NavLink to="/org/members">Members</NavLink>
          <NavLink to="/org/billing">Billing</NavLink>
          <NavLink to="/plans">Plans</NavLink>
          <NavLink to="/settings/account">Account</NavLink>
          {session.data?.admin && (
            <NavLink to="/admin" className="nav-admin">
              Admin
            </NavLink>
          )}
        </nav>
        <div className="who">
          <span className="who-email" title={session.data?.email}>
            {session.data?.email}
          </span>
          <button type="button" className="btn btn-small" onClick={() => signOut.mutate(undefined, { onSettled: () => navigate('/login', { replace: true }) })} disabled={signOut.isPending}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" className="main" tabIndex={-1}>
        {org && <WalletBanner key={org.id} orgId={org.id} orgName={org.name} />}
        <Outlet />
      </main>
    </div>
  );
}
