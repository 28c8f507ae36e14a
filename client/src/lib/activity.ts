// Activity entries (GET /apps/:app/activity, the admin console's activity log) in words. Details
// are plain data from the api and are rendered as text.

const apps = (n: unknown) => `${Number(n ?? 0)} app${Number(n) === 1 ? '' : 's'}`;
const list = (v: unknown) => (Array.isArray(v) ? v.map(String).join(', ') : '');

export function describeActivity(a: { action: string; details: Record<string, unknown> }): string {
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
    case 'app.deleted':
      return `Deleted app ${String(d.name ?? '')}`;
    case 'app.suspended':
      return `App ${String(d.name ?? '')} suspended${d.reason === 'admin' ? ' by an administrator' : ''}`;
    case 'app.resumed':
      return `App ${String(d.name ?? '')} resumed`;
    case 'org.created':
      return `Created organization ${String(d.name ?? '')}`;
    case 'org.suspended':
      return `Suspended organization ${String(d.name ?? '')} (${apps(d.apps)})${d.note ? `: ${String(d.note)}` : ''}`;
    case 'org.resumed':
      return `Resumed organization ${String(d.name ?? '')} (${apps(d.apps)})`;
    case 'org.deleted':
      return `Deleted organization ${String(d.name ?? '')}${list(d.apps) ? ` and its apps ${list(d.apps)}` : ''}`;
    case 'member.added':
      return `Added ${String(d.email ?? '')} as ${String(d.role ?? 'member')}`;
    case 'member.role_changed':
      return `Made ${String(d.email ?? '')} ${String(d.role ?? '')}`;
    case 'member.removed':
      return `Removed member ${String(d.email ?? '')}`;
    case 'user.created':
      return `Account created for ${String(d.email ?? '')}`;
    case 'user.created_by_admin':
      return `Created user ${String(d.email ?? '')}${d.admin ? ' (platform admin)' : ''}`;
    case 'user.disabled':
      return `Disabled user ${String(d.email ?? '')}`;
    case 'user.enabled':
      return `Enabled user ${String(d.email ?? '')}`;
    case 'user.admin_granted':
      return `Made ${String(d.email ?? '')} a platform admin`;
    case 'user.admin_revoked':
      return `Revoked platform admin from ${String(d.email ?? '')}`;
    case 'user.password_reset':
      return `Reset the password of ${String(d.email ?? '')}`;
    case 'plan.created':
      return `Created plan ${String(d.plan ?? '')}`;
    case 'plan.updated':
      return `Changed plan ${String(d.plan ?? '')}: ${list(d.fields)}`;
    case 'plan.deleted':
      return `Deleted plan ${String(d.plan ?? '')}`;
    case 'settings.updated':
      return `Changed settings: ${list(d.keys)}`;
    default:
      return a.action;
  }
}
