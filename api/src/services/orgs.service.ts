// Organizations and their members. Membership is the only way into an organization's apps; another
// organization's id is "not found", never "forbidden".
import { ConflictError, ForbiddenError, LimitError, NotFoundError, ValidationError } from '@slipway/core/errors';
import { assertCan, atLeast } from '@slipway/core/domain/access';
import { validateOrgName } from '@slipway/core/naming';
import { isUniqueViolation } from '@slipway/core/db/pool';
import type { Store } from '@slipway/core/repositories/index';
import type { Settings } from '@slipway/core/settings/settings.service';
import { startingCredit } from '@slipway/core/settings/billing.settings';
import { grantStartingCredit } from '@slipway/core/services/billing/org-wallet.service';
import { ROLES, type MemberRow, type OrgWithRole, type Role } from '@slipway/core/repositories/types';
import { maxOrgsPerUser } from '@slipway/core/settings/limits.settings';
import { validateEmail } from './users.service.js';

export function validateRole(role: unknown): Role {
  if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
    throw new ValidationError(`Role must be one of ${ROLES.join(', ')}.`, { field: 'role' });
  }
  return role as Role;
}

export class OrgsService {
  constructor(private readonly deps: { store: Store; settings: Settings }) {}

  list(userId: string): Promise<OrgWithRole[]> {
    return this.deps.store.repos.orgs.listForUser(userId);
  }

  async get(userId: string, idOrName: string): Promise<OrgWithRole> {
    const org = await this.deps.store.repos.orgs.findForUser(userId, idOrName);
    if (!org) throw new NotFoundError("Couldn't find that organization.");
    return org;
  }

  async create(userId: string, name: unknown): Promise<OrgWithRole> {
    const valid = validateOrgName(name);
    const max = await this.deps.settings.get(maxOrgsPerUser);
    const credit = await this.deps.settings.get(startingCredit);
    try {
      return await this.deps.store.transaction(async (repos) => {
        await repos.users.lock(userId); // concurrent creates count one after another
        if ((await repos.orgs.countOwnedBy(userId)) >= max) {
          throw new LimitError(`A user may own at most ${max} organizations (setting max_orgs_per_user).`, { limit: max });
        }
        const org = await repos.orgs.create({ name: valid, personal: false });
        await repos.orgs.addMember(org.id, userId, 'owner');
        await repos.activity.record({ orgId: org.id, userId, action: 'org.created', details: { name: valid } });
        await grantStartingCredit(repos, org.id, credit);
        return { ...org, role: 'owner' as const };
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`The name ${valid} is already taken.`, { field: 'name' });
      throw err;
    }
  }

  async members(userId: string, orgId: string): Promise<MemberRow[]> {
    const org = await this.get(userId, orgId);
    return this.deps.store.repos.orgs.members(org.id);
  }

  /** Adds an existing user to the organization with a role (the invitation is immediate). */
  async addMember(userId: string, orgId: string, input: { email: unknown; role: unknown }): Promise<MemberRow> {
    const org = await this.get(userId, orgId);
    assertCan(org.role, 'org:members', 'invite members');
    const role = validateRole(input.role ?? 'member');
    if (role === 'owner' && org.role !== 'owner') throw new ForbiddenError('Only an owner can add another owner.');
    const email = validateEmail(input.email);
    const invitee = await this.deps.store.repos.users.findByEmail(email);
    if (!invitee) throw new NotFoundError(`There is no Slipway account for ${email}; they need to sign up first.`);
    try {
      await this.deps.store.transaction(async (repos) => {
        await repos.orgs.addMember(org.id, invitee.id, role);
        await repos.activity.record({ orgId: org.id, userId, action: 'member.added', details: { email, role } });
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError(`${email} is already a member.`);
      throw err;
    }
    return { userId: invitee.id, email: invitee.email, name: invitee.name, role, createdAt: new Date() };
  }

  async setRole(userId: string, orgId: string, memberId: string, roleInput: unknown): Promise<void> {
    const org = await this.get(userId, orgId);
    assertCan(org.role, 'org:members', 'change roles');
    const role = validateRole(roleInput);
    await this.deps.store.transaction(async (repos) => {
      const target = (await repos.orgs.members(org.id)).find((m) => m.userId === memberId || m.email === memberId);
      if (!target) throw new NotFoundError("Couldn't find that member.");
      if ((role === 'owner' || target.role === 'owner') && org.role !== 'owner') throw new ForbiddenError('Only an owner can grant or take away the owner role.');
      if (target.role === 'owner' && role !== 'owner' && (await repos.orgs.countOwners(org.id)) <= 1) {
        throw new ConflictError('An organization needs at least one owner; make someone else owner first.');
      }
      await repos.orgs.setRole(org.id, target.userId, role);
      await repos.activity.record({ orgId: org.id, userId, action: 'member.role_changed', details: { email: target.email, role } });
    });
  }

  async removeMember(userId: string, orgId: string, memberId: string): Promise<void> {
    const org = await this.get(userId, orgId);
    await this.deps.store.transaction(async (repos) => {
      const target = (await repos.orgs.members(org.id)).find((m) => m.userId === memberId || m.email === memberId);
      if (!target) throw new NotFoundError("Couldn't find that member.");
      const leaving = target.userId === userId;
      if (!leaving) {
        assertCan(org.role, 'org:members', 'remove members');
        if (!atLeast(org.role, target.role)) throw new ForbiddenError(`Your role (${org.role}) cannot remove a ${target.role}.`);
      }
      if (target.role === 'owner' && (await repos.orgs.countOwners(org.id)) <= 1) {
        throw new ConflictError('An organization needs at least one owner; make someone else owner first.');
      }
      await repos.orgs.removeMember(org.id, target.userId);
      await repos.activity.record({ orgId: org.id, userId, action: 'member.removed', details: { email: target.email } });
    });
  }
}
