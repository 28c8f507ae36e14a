// JSON shapes of organizations, members, API tokens and the activity feed (/api/v1/…).
import type { ActivityRow, MemberRow, OrgWithRole, TokenRow } from '@slipway/core/repositories/types';

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);

export const orgJson = (o: OrgWithRole) => ({ id: o.id, name: o.name, personal: o.personal, role: o.role, created_at: iso(o.createdAt)!, updated_at: iso(o.updatedAt)! });

export const memberJson = (m: MemberRow) => ({ user: { id: m.userId, email: m.email, name: m.name }, role: m.role, created_at: iso(m.createdAt)! });

export const tokenJson = (t: TokenRow) => ({ id: t.id, description: t.description, kind: t.kind, last_used_at: iso(t.lastUsedAt), expires_at: iso(t.expiresAt), created_at: iso(t.createdAt)! });

export const newTokenJson = (t: TokenRow, token: string) => ({ id: t.id, description: t.description, token, created_at: iso(t.createdAt)! });

export const activityJson = (a: ActivityRow) => ({ id: Number(a.id), action: a.action, details: a.details, user: a.userEmail ? { id: a.userId!, email: a.userEmail } : null, created_at: iso(a.createdAt)! });
