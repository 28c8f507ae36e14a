// What an organization's wallet means for its apps, in words: unbilled, fine, in its grace period
// (the apps keep running until a deadline), past it (stopped at the next billing run), or apps
// suspended because it ran out. Pure functions of the api's wallet and app JSON, so the banner,
// the wallet card and the app header say the same thing.
import type { App, Wallet } from '../api/types';
import { formatHours } from './money';

export type WalletState =
  | { kind: 'unbilled' }
  | { kind: 'ok' }
  | { kind: 'grace'; endsAt: string; msLeft: number }
  | { kind: 'grace-over'; endsAt: string }
  | { kind: 'suspended'; apps: number; since: string };

export function walletState(w: Wallet, now = Date.now()): WalletState {
  if (w.unbilled) return { kind: 'unbilled' };
  const stopped = w.suspensions.find((s) => s.reason === 'wallet');
  if (stopped) return { kind: 'suspended', apps: stopped.apps, since: stopped.since };
  if (w.grace) {
    const msLeft = new Date(w.grace.ends_at).getTime() - now;
    return msLeft > 0 ? { kind: 'grace', endsAt: w.grace.ends_at, msLeft } : { kind: 'grace-over', endsAt: w.grace.ends_at };
  }
  return { kind: 'ok' };
}

/** "23 h 59 min", "2 days 3 h", "4 min", "less than a minute". */
export const formatDuration = (ms: number): string => (ms < 60_000 ? 'less than a minute' : formatHours(ms / 3_600_000));

export const when = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** Why a suspended app is not running and how it comes back, for its owners. */
export function suspensionText(app: Pick<App, 'status' | 'suspension'>): string | null {
  if (app.status !== 'suspended' || !app.suspension) return null;
  const since = app.suspension.since ? ` since ${when(app.suspension.since)}` : '';
  const parts: string[] = [];
  if (app.suspension.reasons.includes('wallet')) {
    parts.push(`Stopped${since} because the organization's wallet is empty and its grace period ended. It starts again by itself once the wallet is topped up above zero (see Billing).`);
  }
  if (app.suspension.reasons.includes('admin')) {
    parts.push(`Suspended${app.suspension.reasons[0] === 'admin' ? since : ''} by a platform administrator. Contact your Slipway operator to have it resumed.`);
  }
  return parts.join(' ');
}

/** Short label for the apps list: why, and since when. */
export function suspensionLabel(app: Pick<App, 'status' | 'suspension'>): string | null {
  if (app.status !== 'suspended' || !app.suspension) return null;
  const why = app.suspension.reasons.includes('wallet') ? 'wallet empty' : 'suspended by an administrator';
  const since = app.suspension.since ? new Date(app.suspension.since).toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' }) : null;
  return since ? `${why} since ${since}` : why;
}
