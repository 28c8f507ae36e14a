// Who may do what in an organization. One table; services call assertCan() before acting.
import { ForbiddenError } from '../errors.js';
import type { Role } from '../repositories/types.js';

export type Permission =
  | 'app:read' // see apps, releases, formation, domains, builds, logs
  | 'app:deploy' // push, config vars (read values + change), scale, restart, rollback, domains, maintenance
  | 'app:create'
  | 'app:delete'
  | 'org:members' // invite, change roles, remove members
  | 'org:billing'; // see the wallet, ledger, usage

const RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };
const MIN_ROLE: Record<Permission, Role> = {
  'app:read': 'viewer',
  'app:deploy': 'member',
  'app:create': 'member',
  'app:delete': 'admin',
  'org:members': 'admin',
  'org:billing': 'admin',
};

export function can(role: Role, perm: Permission): boolean {
  return RANK[role] >= RANK[MIN_ROLE[perm]];
}

export function assertCan(role: Role, perm: Permission, action: string): void {
  if (!can(role, perm)) {
    throw new ForbiddenError(`Your role (${role}) does not allow you to ${action}; it needs ${MIN_ROLE[perm]} or above.`, {
      role,
      required: MIN_ROLE[perm],
    });
  }
}

export const outranks = (a: Role, b: Role): boolean => RANK[a] > RANK[b];
export const atLeast = (a: Role, b: Role): boolean => RANK[a] >= RANK[b];
