// The dashboard: react-router for pages, react-query for everything the server knows.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from 'react-router';
import { ApiError } from './api/client';
import { appsQuery, keys, orgsQuery, sessionQuery } from './api/queries';
import { storedOrg } from './lib/current-org';
import { router } from './routes';
import './styles/app.css';

const qc: QueryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 5_000,
      retry: (count, err) => !(err instanceof ApiError && err.status >= 400 && err.status < 500) && count < 2,
    },
  },
  // A request answered 401 means the session ended: forget the account, which sends the
  // signed-in routes to the sign-in page.
  queryCache: new QueryCache({ onError: (err, query) => signedOut(err, query.queryKey) }),
  mutationCache: new MutationCache({ onError: (err) => signedOut(err, []) }),
});

function signedOut(err: unknown, key: readonly unknown[]) {
  if (err instanceof ApiError && err.status === 401 && key[0] !== 'session' && window.location.pathname !== '/login') {
    qc.setQueryData(keys.session, null);
  }
}

// Start the first requests now, side by side, instead of one after another as components mount:
// the session, the organizations, and the apps of the organization chosen last time.
if (window.location.pathname !== '/login') {
  void qc.prefetchQuery(sessionQuery);
  void qc.prefetchQuery(orgsQuery);
  const org = storedOrg();
  if (org && window.location.pathname === '/') void qc.prefetchQuery(appsQuery(org));
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={qc}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  </StrictMode>,
);
