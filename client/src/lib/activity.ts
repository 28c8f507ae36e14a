// Activity entries (GET /apps/:app/activity) in words. Details are plain data from the api and are
// rendered as text.
import type { Activity } from '../api/types';

const list = (v: unknown) => (Array.isArray(v) ? v.map(String).join(', ') : '');

export function describeActivity(a: Activity): string {
  const d = a.details ?? {};
  switch (a.action) {
    case 'app.created':
      return `Created the app${d.plan ? ` on ${String(d.plan)}` : ''}`;
    case 'app.updated':
      return `Changed settings: ${list(d.fields) || 'app'}`;
    case 'config.changed': {
      const parts = [];
      if (list(d.set)) parts.push(`set ${list(d.set)}`);
      if (list(d.removed)) parts.push(`removed ${list(d.removed)}`);
      return `Config vars ${parts.join('; ') || 'changed'}${d.version ? ` (v${String(d.version)})` : ''}`;
    }
    case 'build.started':
      return `Build started${d.commit ? ` for ${String(d.commit)}` : ''}`;
    case 'build.succeeded':
      return `Build succeeded${d.commit ? ` for ${String(d.commit)}` : ''}`;
    case 'build.failed':
      return `Build failed${d.commit ? ` for ${String(d.commit)}` : ''}${d.message ? `: ${String(d.message)}` : ''}`;
    case 'release.deployed':
      return `Deployed v${String(d.version ?? '?')}`;
    case 'release.rollback':
      return `Rolled back to v${String(d.to ?? '?')} as v${String(d.version ?? '?')}`;
    case 'formation.changed': {
      const u = Array.isArray(d.updates) ? (d.updates as { type?: unknown; quantity?: unknown }[]) : [];
      return `Scaled ${u.map((x) => `${String(x.type)}=${String(x.quantity)}`).join(', ') || 'processes'}`;
    }
    case 'dynos.restarted':
      return `Restarted ${d.type && d.type !== 'all' ? String(d.type) : 'all'} dynos`;
    case 'domain.added':
      return `Added domain ${String(d.hostname ?? '')}`;
    case 'domain.removed':
      return `Removed domain ${String(d.hostname ?? '')}`;
    default:
      return a.action;
  }
}
