// JSON shapes of the admin console's endpoints (/api/v1/admin/…). The dashboard's types are these
// functions' return types (serializers/index.ts), so the two cannot drift apart.
import type { UserRow, OrgWithRole } from '@slipway/core/repositories/types';
import type { OrgSearchRow } from '@slipway/core/repositories/user.repository';
import type { AuditRow } from '@slipway/core/repositories/audit.repository';
import type { OverviewRow } from '@slipway/core/repositories/overview.repository';
import type { BillingRunRow } from '@slipway/core/repositories/admin-billing.repository';
import type { SettingView } from '@slipway/core/settings/settings.service';
import type { ObjectStoreProbe } from '@slipway/core/ports/object-store.port';
import type { DockerConnectionInfo } from '@slipway/core/adapters/docker/docker.client';
import type { OrgView } from '../../services/admin-orgs.service.js';
import type { UserView } from '../../services/admin-users.service.js';
import type { LowWallet } from '../../services/billing-overview.service.js';
import { accountJson } from './heroku.serializer.js';
import { memberJson, tokenJson } from './account.serializer.js';
import { walletJson } from './billing.serializer.js';

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

export function adminUserJson(u: UserRow & { orgCount?: number }) {
  return { ...accountJson(u), disabled: !!u.disabledAt, disabled_at: iso(u.disabledAt), org_count: u.orgCount ?? null };
}

export function adminOrgJson(o: OrgSearchRow) {
  return { id: o.id, name: o.name, personal: o.personal, unbilled: !!o.unbilled, members: o.memberCount, apps: o.appCount, suspended_apps: o.suspendedApps, balance: o.balance, created_at: iso(o.createdAt) };
}

export function auditJson(a: AuditRow) {
  return {
    id: Number(a.id),
    action: a.action,
    details: a.details,
    actor: a.userId ? { id: a.userId, email: a.userEmail } : null,
    organization: a.orgId ? { id: a.orgId, name: a.orgName } : null,
    app_id: a.appId,
    ip: a.ip,
    created_at: iso(a.createdAt)!,
  };
}

export function orgViewJson(v: OrgView) {
  return {
    id: v.org.id,
    name: v.org.name,
    personal: v.org.personal,
    created_at: iso(v.org.createdAt),
    members: v.members.map(memberJson),
    apps: v.apps.map((a) => ({ id: a.id, name: a.name, status: a.status, plan: a.planName, dynos: a.dynos, created_at: iso(a.createdAt) })),
    unbilled: !!v.org.unbilled,
    wallet: walletJson(v.wallet),
  };
}

export function userViewJson(v: UserView) {
  return {
    ...adminUserJson(v.user),
    organizations: v.orgs.map((o: OrgWithRole) => ({ id: o.id, name: o.name, personal: o.personal, role: o.role })),
    tokens: v.tokens.map(tokenJson),
    activity: v.activity.map(auditJson),
  };
}

export function overviewJson(o: OverviewRow & { nodes: Record<string, number> | null }) {
  return {
    users: { total: o.users.total, admins: o.users.admins, disabled: o.users.disabled, new_30d: o.users.new30d },
    organizations: { total: o.organizations.total, new_30d: o.organizations.new30d, suspended: o.organizations.suspended },
    apps: { total: Object.values(o.apps).reduce((n, c) => n + c, 0), by_status: o.apps },
    dynos: { running: o.dynos },
    nodes: o.nodes,
    builds: { today: o.builds.today, failed_today: o.builds.failedToday, active: o.builds.active },
    money: o.money.map((m) => ({ day: m.day, kind: m.kind, amount: Number(m.amount), entries: Number(m.entries) })),
    low_wallets: {
      count: o.lowWallets.count,
      top: o.lowWallets.top.map((w) => ({ organization: { id: w.orgId, name: w.name }, balance: Number(w.balance), low_since: iso(w.lowSince) })),
    },
    activity: o.activity.map((a) => ({
      id: a.id,
      action: a.action,
      details: a.details,
      actor: a.userId ? { id: a.userId, email: a.userEmail } : null,
      organization: a.orgId ? { id: a.orgId, name: a.orgName } : null,
      ip: a.ip,
      created_at: iso(a.createdAt)!,
    })),
  };
}

export function settingJson(s: SettingView) {
  return {
    key: s.key,
    group: s.group,
    description: s.description,
    secret: s.secret,
    value: s.value,
    is_set: s.isSet,
    is_default: s.isDefault,
    default: s.defaultValue,
    input: s.input,
    takes_effect: s.takesEffect,
  };
}

export const probeJson = (p: ObjectStoreProbe) => ({ ok: p.ok, kind: p.kind, location: p.location, latency_ms: p.latencyMs, message: p.message });

export function dockerProbeJson(d: DockerConnectionInfo) {
  return {
    ok: d.reachable,
    host: d.host,
    message: d.reachable
      ? `Docker ${d.engineVersion} (API ${d.apiVersion}) on ${d.os}; swarm ${d.swarm?.state ?? 'inactive'}${d.swarm?.isManager ? ', this engine is a manager' : ''}.`
      : `Could not reach the Docker engine at ${d.host}: ${d.error}`,
    engine_version: d.engineVersion ?? null,
    swarm: d.swarm ? { state: d.swarm.state, manager: d.swarm.isManager } : null,
  };
}

export function billingRunJson(r: BillingRunRow) {
  return { id: r.id, trigger: r.trigger, user: r.userId ? { id: r.userId, email: r.userEmail } : null, started_at: iso(r.startedAt), finished_at: iso(r.finishedAt), ok: r.ok, result: r.result, error: r.error };
}

export function lowWalletJson(w: LowWallet) {
  return { organization: { id: w.orgId, name: w.orgName }, balance: w.balance, burn_rate_per_hour: w.burnRatePerHour, hours_left: w.hoursLeft, low_since: iso(w.lowBalanceSince) };
}
