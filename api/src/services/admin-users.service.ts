// Users as a platform administrator manages them: search, a view (organizations, tokens, recent
// activity), create (users.service.ts), reset a password (generated and shown once unless given;
// the user's dashboard sessions end), disable and enable (a disabled user's sessions end, and every
// token of theirs is refused from the next request: the token lookup itself checks it), and make or
// revoke platform admins. There is always at least one platform admin who can sign in: the last
// one cannot be revoked or disabled, and an admin cannot disable themselves.
import { generatePassword } from '@slipway/core/crypto';
import { ConflictError, NotFoundError } from '@slipway/core/errors';
import type { Logger } from '@slipway/core/logger';
import type { Store } from '@slipway/core/repositories/index';
import type { OrgWithRole, TokenRow, UserRow } from '@slipway/core/repositories/types';
import type { AuditRow } from '@slipway/core/repositories/audit.repository';
import { AuditRepository } from '@slipway/core/repositories/audit.repository';
import type { PasswordHasher } from './passwords.js';
import { validatePassword, type UsersService } from './users.service.js';

export interface UserView {
  user: UserRow;
  orgs: OrgWithRole[];
  tokens: TokenRow[];
  activity: AuditRow[];
}

export class AdminUsersService {
  constructor(private readonly deps: { store: Store; users: UsersService; passwords: PasswordHasher; log: Logger }) {}

  search(q: string, limit: number, offset: number) {
    return this.deps.store.repos.users.search(q, limit, offset);
  }

  async view(id: string): Promise<UserView> {
    const user = await this.user(id);
    const { repos, pool } = this.deps.store;
    const [orgs, tokens, activity] = await Promise.all([
      repos.orgs.listForUser(user.id),
      repos.tokens.listForUser(user.id, ['api', 'oauth', 'session']),
      new AuditRepository(pool).search({ actor: user.id, limit: 20 }),
    ]);
    return { user, orgs, tokens, activity };
  }

  async create(actorId: string, input: { email: unknown; password?: unknown; name?: unknown; admin?: unknown }): Promise<{ user: UserRow; password: string | null }> {
    const out = await this.deps.users.createByAdmin({ email: input.email, password: input.password, name: input.name, isAdmin: input.admin });
    await this.deps.store.repos.activity.record({ orgId: null, userId: actorId, action: 'user.created_by_admin', details: { email: out.user.email, admin: out.user.isAdmin } });
    return out;
  }

  /** Sets a new password (generated when none is given: returned once) and ends the user's sessions. */
  async resetPassword(actorId: string, id: string, password: unknown): Promise<{ user: UserRow; password: string | null }> {
    const user = await this.user(id);
    const generated = password === undefined ? generatePassword() : null;
    const hash = await this.deps.passwords.hash(validatePassword(password ?? generated));
    await this.deps.store.transaction(async (repos) => {
      await repos.users.setPasswordHash(user.id, hash);
      await repos.tokens.deleteSessions(user.id);
      await repos.activity.record({ orgId: null, userId: actorId, action: 'user.password_reset', details: { email: user.email } });
    });
    return { user, password: generated };
  }

  async update(actorId: string, id: string, patch: { disabled?: boolean; admin?: boolean }): Promise<UserRow> {
    const target = await this.user(id);
    const updated = await this.deps.store.transaction(async (repos) => {
      let row = target;
      if (patch.disabled === true && target.id === actorId) throw new ConflictError('You cannot disable your own account.');
      const losesAdmin = (patch.admin === false && target.isAdmin) || (patch.disabled === true && target.isAdmin && !target.disabledAt);
      if (losesAdmin) {
        await repos.users.lockAdmins();
        if ((await repos.users.countActiveAdmins()) <= 1 && !target.disabledAt) {
          throw new ConflictError(`${target.email} is the last platform administrator who can sign in; make someone else an administrator first.`);
        }
      }
      if (patch.admin !== undefined && patch.admin !== target.isAdmin) {
        row = (await repos.users.setAdmin(target.id, patch.admin))!;
        await repos.activity.record({ orgId: null, userId: actorId, action: patch.admin ? 'user.admin_granted' : 'user.admin_revoked', details: { email: target.email } });
      }
      if (patch.disabled !== undefined && patch.disabled !== !!target.disabledAt) {
        row = (await repos.users.setDisabled(target.id, patch.disabled))!;
        if (patch.disabled) await repos.tokens.deleteSessions(target.id);
        await repos.activity.record({ orgId: null, userId: actorId, action: patch.disabled ? 'user.disabled' : 'user.enabled', details: { email: target.email } });
      }
      return row;
    });
    this.deps.log.info({ userId: target.id, actorId, ...patch }, 'user updated by an administrator');
    return updated;
  }

  private async user(id: string): Promise<UserRow> {
    const user = /^[0-9a-f-]{36}$/i.test(id) ? await this.deps.store.repos.users.findById(id) : await this.deps.store.repos.users.findByEmail(id);
    if (!user) throw new NotFoundError("Couldn't find that user.");
    return user;
  }
}
