// Sign-in: Heroku's POST /oauth/authorizations (HTTP Basic email:password → token), the dashboard's
// cookie session, and sign-up.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { isUtf8 } from 'node:buffer';
import { UnauthorizedError, ValidationError } from '@slipway/core/errors';
import type { HttpContext } from '../context.js';
import { SESSION_COOKIE, requireActor } from '../middleware/auth.js';
import { accountJson } from '../serializers/heroku.serializer.js';
import { SESSION_DAYS } from '../../services/auth.service.js';

function basicCredentials(req: Request): { email: string; password: string } {
  const h = req.get('authorization') ?? '';
  const m = /^basic\s+(.+)$/i.exec(h);
  if (!m) throw new UnauthorizedError('Send your email and password with HTTP Basic authentication.');
  const raw = Buffer.from(m[1]!, 'base64');
  if (!isUtf8(raw) || raw.includes(0)) throw new ValidationError('The Authorization header must be UTF-8 text without NUL bytes.');
  const decoded = raw.toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) throw new UnauthorizedError('Send your email and password with HTTP Basic authentication.');
  return { email: decoded.slice(0, i), password: decoded.slice(i + 1) };
}

const LoginBody = z.object({ email: z.string().max(254), password: z.string().max(200) });
const OAuthBody = z.object({ description: z.string().max(100).optional() }).passthrough();

export function authRoutes(ctx: HttpContext): Router {
  const r = Router();
  const { auth, users } = ctx.services;

  r.post('/oauth/authorizations', async (req, res) => {
    const { email, password } = basicCredentials(req);
    const body = OAuthBody.parse(req.body ?? {});
    const user = await auth.login(email, password, req.ip ?? null);
    const { token, row } = await auth.issueToken(user.id, 'oauth', body.description ?? 'Slipway CLI');
    res.status(201).json({
      id: row.id,
      description: row.description,
      scope: row.scopes,
      access_token: { id: row.id, token, expires_in: null },
      user: { id: user.id, email: user.email },
      created_at: row.createdAt.toISOString(),
      updated_at: row.createdAt.toISOString(),
    });
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
