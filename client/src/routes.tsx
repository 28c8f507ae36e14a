// Client routes. They avoid the api's own path prefixes (/apps, /account, /api, /oauth,
// /log-sessions, *.git) so a reload of any page gets index.html from the api's fallback.
import { lazy, Suspense, type ReactNode } from 'react';
import { createBrowserRouter, Navigate, Outlet, useLocation } from 'react-router';
import { useSession } from './api/queries';
import { Layout } from './components/Layout';
import { ErrorNote, Loading } from './components/ui';
import { CurrentOrgProvider } from './lib/current-org';
import { SignIn } from './pages/SignIn';
import { SignUp } from './pages/SignUp';
import { AppsList } from './pages/AppsList';
import { CreateApp } from './pages/CreateApp';
import { AccountPage } from './pages/Account';
import { MembersPage } from './pages/org/Members';
import { PlansPage } from './pages/Plans';
import { NotFound } from './pages/NotFound';
import { AppPage } from './pages/app/AppPage';
import { Overview } from './pages/app/Overview';
import { DeployTab } from './pages/app/Deploy';
import { ReleasesTab } from './pages/app/Releases';
import { ConfigTab } from './pages/app/Config';
import { ResourcesTab } from './pages/app/Resources';
import { DomainsTab } from './pages/app/Domains';
import { LogsTab } from './pages/app/Logs';
import { SettingsTab } from './pages/app/Settings';
import { PublicFrame } from './components/PublicFrame';

// uPlot is only needed on the billing page: load it with that page.
const BillingPage = lazy(() => import('./pages/org/Billing').then((m) => ({ default: m.BillingPage })));
// the admin console is one chunk, loaded when an admin opens it
const admin = () => import('./pages/admin/index');
const lazyAdmin = <K extends keyof Awaited<ReturnType<typeof admin>>>(name: K) => {
  const Page = lazy(() => admin().then((m) => ({ default: m[name] as () => ReactNode })));
  return wait(<Page />);
};

function RequireAuth() {
  const session = useSession();
  const location = useLocation();
  if (session.isPending) return <Loading what="Checking your session" />;
  if (session.error) return <ErrorNote error={session.error} />;
  if (!session.data) return <Navigate to={`/login?next=${encodeURIComponent(location.pathname + location.search)}`} replace />;
  return (
    <CurrentOrgProvider>
      <Outlet />
    </CurrentOrgProvider>
  );
}

/** Public pages sit in the dashboard frame for signed-in users and a plain frame otherwise. */
function MaybeSignedIn() {
  const session = useSession();
  if (session.isPending) return <Loading />;
  if (session.data)
    return (
      <CurrentOrgProvider>
        <Layout />
      </CurrentOrgProvider>
    );
  return <PublicFrame />;
}

const wait = (el: ReactNode) => <Suspense fallback={<Loading />}>{el}</Suspense>;

export const router = createBrowserRouter([
  { path: '/login', element: <SignIn /> },
  { path: '/signup', element: <SignUp /> },
  { element: <MaybeSignedIn />, children: [{ path: '/plans', element: <PlansPage /> }] },
  {
    element: <RequireAuth />,
    children: [
      {
        element: <Layout />,
        children: [
          { index: true, element: <AppsList /> },
          { path: 'new-app', element: <CreateApp /> },
          {
            path: 'app/:app',
            element: <AppPage />,
            children: [
              { index: true, element: <Overview /> },
              { path: 'deploy', element: <DeployTab /> },
              { path: 'releases', element: <ReleasesTab /> },
              { path: 'config', element: <ConfigTab /> },
              { path: 'resources', element: <ResourcesTab /> },
              { path: 'domains', element: <DomainsTab /> },
              { path: 'logs', element: <LogsTab /> },
              { path: 'settings', element: <SettingsTab /> },
            ],
          },
          { path: 'settings/account', element: <AccountPage /> },
          { path: 'org/members', element: <MembersPage /> },
          { path: 'org/billing', element: wait(<BillingPage />) },
          {
            path: 'admin',
            element: lazyAdmin('AdminLayout'),
            children: [
              { index: true, element: lazyAdmin('AdminOverview') },
              { path: 'organizations', element: lazyAdmin('AdminOrganizations') },
              { path: 'organizations/:id', element: lazyAdmin('AdminOrganization') },
              { path: 'users', element: lazyAdmin('AdminUsers') },
              { path: 'users/:id', element: lazyAdmin('AdminUser') },
              { path: 'plans', element: lazyAdmin('AdminPlans') },
              { path: 'settings', element: lazyAdmin('AdminSettings') },
              { path: 'billing', element: lazyAdmin('AdminBilling') },
              { path: 'activity', element: lazyAdmin('AdminActivity') },
            ],
          },
          { path: '*', element: <NotFound /> },
        ],
      },
    ],
  },
]);
