// Sign-in: Heroku's OAuth authorizations (POST with HTTP Basic email:password, or with a token to
// make another one; list, show, revoke — what `heroku login -i`, `logout`, `auth:token` and
// `authorizations` use), the dashboard's cookie session, and sign-up.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { isUtf8 } from 'node:buffer';
import { NotFoundError, UnauthorizedError, ValidationError } from '@slipway/core/errors';
import type { TokenRow, UserRow } from '@slipway/core/repositories/types';
import type { HttpContext } from '../context.js';
import { SESSION_COOKIE, requireActor } from '../middleware/auth.js';
import { accountJson } from '../serializers/heroku.serializer.js';
import { SESSION_DAYS } from '../../services/auth.service.js';

function basicCredentials(req: Request): { email: string; password: string } | null {
  const m = /^basic\s+(.+)$/i.exec(req.get('authorization') ?? '');
  if (!m) return null;
  const raw = Buffer.from(m[1]!, 'base64');
  if (!isUtf8(raw) || raw.includes(0)) throw new ValidationError('The Authorization header must be UTF-8 text without NUL bytes.');
  const decoded = raw.toString('utf8');
  const i = decoded.indexOf(':');
  return i < 0 ? null : { email: decoded.slice(0, i), password: decoded.slice(i + 1) };
}

const LoginBody = z.object({ email: z.string().max(254), password: z.string().max(200) });
const TEN_YEARS_S = 10 * 365 * 86_400;
const OAuthBody = z.object({
  description: z.string().max(100).optional(),
  // Heroku's CLI sends a number (login) or the flag's string (authorizations:create -e)
  expires_in: z.union([z.number(), z.string().regex(/^\d+$/)]).optional().transform((v) => (v === undefined ? undefined : Number(v))).pipe(z.number().int().min(60).max(TEN_YEARS_S).optional()),
  scope: z.array(z.string()).optional().refine((s) => !s || s.every((x) => x === 'global'), 'Slipway tokens have the "global" scope only'),
}).passthrough();

/** Heroku's shape; the token itself only when just created (afterwards redacted like Heroku's). */
function authorizationJson(row: TokenRow, user: UserRow, token?: string) {
  const redacted = row.tokenHint ? `slw_${'*'.repeat(10)}${row.tokenHint}` : null;
  const expiresIn = row.expiresAt ? Math.max(0, Math.round((row.expiresAt.getTime() - Date.now()) / 1000)) : null;
  return {
    id: row.id,
    description: row.description,
    scope: row.scopes,
    access_token: { id: row.id, token: token ?? redacted, expires_in: expiresIn },
    refresh_token: null,
    client: null,
    grant: null,
    session: null,
    user: { id: user.id, email: user.email, full_name: user.name },
    created_at: row.createdAt.toISOString(),
    updated_at: row.createdAt.toISOString(),
  };
}

export function authRoutes(ctx: HttpContext): Router {
  const r = Router();
  const { auth, users } = ctx.services;

  r.post('/oauth/authorizations', async (req, res) => {
    const body = OAuthBody.parse(req.body ?? {});
    const basic = req.actor ? null : basicCredentials(req);
    if (!req.actor && !basic) throw new UnauthorizedError('Send your email and password with HTTP Basic authentication.');
    const user = req.actor?.user ?? (await auth.login(basic!.email, basic!.password, req.ip ?? null));
    const { token, row } = await auth.issueToken(user.id, 'oauth', body.description ?? 'Slipway CLI', undefined, body.expires_in);
    res.status(201).json(authorizationJson(row, user, token));
  });

  r.get('/oauth/authorizations', requireActor, async (req, res) => {
    const rows = await auth.listTokens(req.actor!.user.id);
    res.json(rows.filter((t) => !t.expiresAt || t.expiresAt > new Date()).map((t) => authorizationJson(t, req.actor!.user)));
  });

  const findToken = async (req: Request) => {
    const id = String(req.params.id);
    // "~" is Heroku's default authorization (the account's API key): Slipway has none
    const row = id === '~' ? undefined : (await auth.listTokens(req.actor!.user.id)).find((t) => t.id === id);
    if (!row) throw new NotFoundError("Couldn't find that authorization.", { resource: 'authorization' });
    return row;
  };
  r.get('/oauth/authorizations/:id', requireActor, async (req, res) => {
    res.json(authorizationJson(await findToken(req), req.actor!.user));
  });
  r.delete('/oauth/authorizations/:id', requireActor, async (req, res) => {
    const row = await findToken(req);
    await auth.revokeToken(req.actor!.user.id, row.id);
    res.json(authorizationJson(row, req.actor!.user));
  });
  // Heroku's SSO sessions: Slipway signs the CLI in with authorizations only
  r.delete('/oauth/sessions/:id', requireActor, () => {
    throw new NotFoundError("Couldn't find that session.", { resource: 'session' });
  });

  const setSession = (req: Request, res: Response, token: string) =>
    res.cookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'lax', secure: req.secure || ctx.urls.cookiesAlwaysSecure, maxAge: SESSION_DAYS * 86_400_000, path: '/' });

  r.post('/api/v1/session', async (req, res) => {
    const { email, password } = LoginBody.parse(req.body);
    const user = await auth.login(email, password, req.ip ?? null);
    const { token } = await auth.issueToken(user.id, 'session', 'dashboard', SESSION_DAYS);
    setSession(req, res, token);
    res.status(201).json(accountJson(user));
  });

  r.get('/api/v1/session', requireActor, (req, res) => {
    res.json(accountJson(req.actor!.user));
  });

  r.delete('/api/v1/session', async (req, res) => {
    const token = (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];
    if (token) await auth.endSession(token);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.status(204).end();
  });

  // whether the sign-up form is offered (the setting signup_enabled; public)
  r.get('/api/v1/signup', async (_req, res) => {
    res.json({ enabled: await users.signupOpen() });
  });

  r.post('/api/v1/users', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const user = await users.signUp({ email: body.email, password: body.password, name: body.name });
    res.status(201).json(accountJson(user));
  });

  return r;
}
