// Sign-in and tokens. Tokens are random strings shown once and stored as SHA-256 hashes; the
// dashboard's session is a token of kind "session" carried in an httpOnly cookie.
import { generateToken, hashToken } from '@slipway/core/crypto';
import { ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '@slipway/core/errors';
import type { Store } from '@slipway/core/repositories/index';
import type { TokenRow, UserRow } from '@slipway/core/repositories/types';
import type { Actor } from '../http/types.js';
import type { PasswordHasher } from './passwords.js';
import type { LoginThrottle } from './login-throttle.js';

export const SESSION_DAYS = 14;

export class AuthService {
  constructor(private readonly deps: { store: Store; passwords: PasswordHasher; throttle: LoginThrottle }) {}

  /** Sign-in by password. `ip` is the client's address: failures count against it and the account. */
  async login(email: string, password: string, ip: string | null): Promise<UserRow> {
    const attempt = { email, ip };
    await this.deps.throttle.check(attempt);
    const user = await this.deps.store.repos.users.findByEmail(email);
    const ok = await this.deps.passwords.verify(user?.passwordHash ?? null, password);
    if (!user || !ok) {
      await this.deps.throttle.failed(attempt);
      throw new UnauthorizedError('Invalid email or password.');
    }
    await this.deps.throttle.succeeded(attempt);
    if (user.disabledAt) throw new ForbiddenError('This account is disabled; ask a Slipway administrator.');
    await this.deps.store.repos.users.touchLogin(user.id);
    return user;
  }

  async issueToken(userId: string, kind: TokenRow['kind'], description: string, ttlDays?: number, ttlSeconds?: number): Promise<{ token: string; row: TokenRow }> {
    const token = generateToken(kind === 'session' ? 'slws' : 'slw');
    const ttlMs = ttlSeconds ? ttlSeconds * 1000 : ttlDays ? ttlDays * 86_400_000 : 0;
    const expiresAt = ttlMs ? new Date(Date.now() + ttlMs) : null;
    const tokenHint = kind === 'session' ? null : token.slice(-4);
    const row = await this.deps.store.repos.tokens.create({ userId, kind, description, tokenHash: hashToken(token), tokenHint, expiresAt });
    return { token, row };
  }

  async authenticateToken(token: string): Promise<Actor | null> {
    if (token.length < 20 || token.length > 200) return null;
    const found = await this.deps.store.repos.tokens.authenticate(hashToken(token));
    return found ? { user: found.user, tokenId: found.token.id, via: 'token' } : null;
  }

  async endSession(token: string): Promise<void> {
    await this.deps.store.repos.tokens.deleteByHash(hashToken(token));
  }

  listTokens(userId: string): Promise<TokenRow[]> {
    return this.deps.store.repos.tokens.listForUser(userId, ['api', 'oauth']);
  }

  async createApiToken(userId: string, description: unknown): Promise<{ token: string; row: TokenRow }> {
    if (typeof description !== 'string' || description.length > 100) throw new ValidationError('Token description must be a string of at most 100 characters.');
    return this.issueToken(userId, 'api', description);
  }

  async revokeToken(userId: string, id: string): Promise<void> {
    if (!(await this.deps.store.repos.tokens.delete(userId, id))) throw new NotFoundError("Couldn't find that token.");
  }
}
