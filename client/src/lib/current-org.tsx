// Which organization the dashboard is looking at. The list comes from the server (react-query);
// only the choice is client state, remembered in localStorage so a reload keeps it.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';
import { useOrgs } from '../api/queries';
import type { Organization } from '../api/types';

const STORAGE_KEY = 'slipway.org';

/** The organization chosen last time (an id), if any. */
export function storedOrg(): string | null {
  try {
    return localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

interface CurrentOrg {
  org: Organization | undefined;
  orgs: Organization[];
  loading: boolean;
  error: unknown;
  choose: (id: string) => void;
}

const Ctx = createContext<CurrentOrg | null>(null);

export function CurrentOrgProvider({ children }: { children: ReactNode }) {
  const q = useOrgs();
  const [chosen, setChosen] = useState<string | null>(storedOrg);
  const orgs = useMemo(() => q.data ?? [], [q.data]);
  const org = orgs.find((o) => o.id === chosen || o.name === chosen) ?? orgs.find((o) => o.personal) ?? orgs[0];
  const choose = useCallback((id: string) => {
    setChosen(id);
    try {
      localStorage.setItem(STORAGE_KEY, id);
    } catch {
      /* private mode: the choice lasts for this page only */
    }
  }, []);
  const value = useMemo(() => ({ org, orgs, loading: q.isPending, error: q.error, choose }), [org, orgs, q.isPending, q.error, choose]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useCurrentOrg(): CurrentOrg {
  const v = useContext(Ctx);
  if (!v) throw new Error('useCurrentOrg outside CurrentOrgProvider');
  return v;
}

export const canManage = (role: string | undefined) => role === 'owner' || role === 'admin';
export const canDeploy = (role: string | undefined) => role === 'owner' || role === 'admin' || role === 'member';
