// Accounts: sign-up (which makes a personal organization), users created by an admin, and the
// first admin created by setup. Passwords are never stored or logged in clear.
import { randomBytes } from 'node:crypto';
import { generatePassword } from '@slipway/core/crypto';
import { ConflictError, ForbiddenError, ValidationError } from '@slipway/core/errors';
import type { Store, Repositories } from '@slipway/core/repositories/index';
import type { UserRow } from '@slipway/core/repositories/types';
import { isUniqueViolation } from '@slipway/core/db/pool';
import type { Settings } from '@slipway/core/settings/settings.service';
import { signupEnabled } from '@slipway/core/settings/core.settings';
import { startingCredit } from '@slipway/core/settings/billing.settings';
import { grantStartingCredit } from '@slipway/core/services/billing/org-wallet.service';
import { PASSWORD_MIN, type PasswordHasher } from './passwords.js';

const EMAIL_RE = /^[^\s@<>()[\]\\,;:"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export function validateEmail(email: unknown): string {
  if (typeof email !== 'string' || email.length > 254 || !EMAIL_RE.test(email)) throw new ValidationError('Email must be a valid address.', { field: 'email' });
  return email.toLowerCase();
}

export function validatePassword(password: unknown): string {
  if (typeof password !== 'string' || password.length < PASSWORD_MIN || password.length > 200) {
    throw new ValidationError(`Password must be ${PASSWORD_MIN} to 200 characters long.`, { field: 'password' });
  }
  return password;
}

/** A valid organization name from an email's local part ("Jane.Doe+x@…" → "jane-doe-x"). */
export function orgNameFromEmail(email: string): string {
  let base = email.split('@')[0]!.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 20).replace(/-+$/, '');
  if (!/^[a-z]/.test(base)) base = `u-${base}`.replace(/-+$/, '');
  if (base.length < 2) base = 'user';
  return base;
}

export class UsersService {
  constructor(private readonly deps: { store: Store; passwords: PasswordHasher; settings: Settings }) {}

  signupOpen(): Promise<boolean> {
    return this.deps.settings.get(signupEnabled);
  }

  async signUp(input: { email: unknown; password: unknown; name?: unknown }): Promise<UserRow> {
    if (!(await this.signupOpen())) {
      throw new ForbiddenError('Sign-up is turned off on this Slipway; ask an administrator for an account.');
    }
    return this.create({ ...input, isAdmin: false });
  }

  /** Creates the user and a personal organization they own (with the starting credit, or unbilled:
   *  the first admin's organization). */
  async create(input: { email: unknown; password: unknown; name?: unknown; isAdmin: boolean; unbilledOrg?: boolean }): Promise<UserRow> {
    const email = validateEmail(input.email);
    const password = validatePassword(input.password);
    const name = typeof input.name === 'string' ? input.name.slice(0, 100) : null;
    const passwordHash = await this.deps.passwords.hash(password);
    const credit = input.unbilledOrg ? 0 : await this.deps.settings.get(startingCredit);
    try {
      return await this.deps.store.transaction(async (repos) => {
        const user = await repos.users.create({ email, name, passwordHash, isAdmin: input.isAdmin });
        const org = await repos.orgs.create({ name: await this.freeOrgName(repos, orgNameFromEmail(email)), personal: true });
        await repos.orgs.addMember(org.id, user.id, 'owner');
        await repos.activity.record({ orgId: org.id, userId: user.id, action: 'user.created', details: { email } });
        if (input.unbilledOrg) await repos.wallets.setUnbilled(org.id, true);
        await grantStartingCredit(repos, org.id, credit);
        return user;
      });
    } catch (err) {
      if (isUniqueViolation(err, 'users_email_key')) throw new ConflictError('An account with that email already exists.', { field: 'email' });
      throw err;
    }
  }

  async createByAdmin(input: { email: unknown; password?: unknown; name?: unknown; isAdmin?: unknown }): Promise<{ user: UserRow; password: string | null }> {
    const generated = input.password === undefined ? generatePassword() : null;
    const user = await this.create({ email: input.email, password: input.password ?? generated, name: input.name, isAdmin: input.isAdmin === true });
    return { user, password: generated };
  }

  /** Setup: the first platform admin, once. Returns the password only when it was generated. The
   *  admin's own organization is unbilled: an operator trying Slipway is never charged or suspended. */
  async ensureFirstAdmin(email: string | undefined, password: string | undefined): Promise<{ created: boolean; email: string; password: string | null }> {
    if ((await this.deps.store.repos.users.countAdmins()) > 0) return { created: false, email: '', password: null };
    const adminEmail = email ?? 'admin@slipway.local';
    const existing = await this.deps.store.repos.users.findByEmail(adminEmail);
    if (existing) throw new ConflictError(`A user ${adminEmail} exists but is not an admin; set SLIPWAY_ADMIN_EMAIL to another address.`);
    const generated = password ? null : generatePassword();
    await this.create({ email: adminEmail, password: password ?? generated, isAdmin: true, unbilledOrg: true });
    return { created: true, email: adminEmail, password: generated };
  }

  private async freeOrgName(repos: Repositories, base: string): Promise<string> {
    if (!(await repos.orgs.nameTaken(base))) return base;
    for (;;) {
      const candidate = `${base.slice(0, 24)}-${randomBytes(2).toString('hex')}`;
      if (!(await repos.orgs.nameTaken(candidate))) return candidate;
    }
  }
}
