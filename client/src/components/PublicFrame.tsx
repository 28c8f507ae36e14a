import { Link, Outlet } from 'react-router';
import { Logo } from './Logo';

export function PublicFrame() {
  return (
    <div className="shell">
      <header className="topbar">
        <Link to="/" className="brand">
          <Logo />{' '}
          Slipway
        </Link>
        <nav className="mainnav" aria-label="Main">
          <Link to="/login">Sign in</Link>
        </nav>
      </header>
      <main id="main" className="main">
        <Outlet />
      </main>
    </div>
  );
}
