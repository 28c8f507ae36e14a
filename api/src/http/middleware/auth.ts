// Authentication: `Authorization: Bearer <token>`, HTTP Basic with an API token as the password
// (what Heroku's tools send), or the dashboard's httpOnly session cookie. A cookie-authenticated
// request that changes something must be JSON (a cross-site form cannot send that without CORS),
// which is the CSRF defence for the dashboard.
import type { RequestHandler } from 'express';
import { UnauthorizedError, ForbiddenError } from '@slipway/core/errors';
import type { AuthService } from '../../services/auth.service.js';

export const SESSION_COOKIE = 'slipway_session';

const TOKEN_RE = /^slws?_[A-Za-z0-9_-]{20,}$/;

/** The API token in an Authorization header: Bearer, or Basic whose password is a token (what
 *  Heroku's tools and git send). Basic with a real password (e.g. /oauth/authorizations) is not one. */
export function bearerOrBasicToken(header: string | undefined): string | null {
  if (!header) return null;
  const [scheme, value] = header.split(/\s+/, 2);
  if (!scheme || !value) return null;
  if (/^bearer$/i.test(scheme)) return value;
  if (/^basic$/i.test(scheme)) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    const password = i >= 0 ? decoded.slice(i + 1) : '';
    return TOKEN_RE.test(password) ? password : null;
  }
  return null;
}

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

export function authenticate(auth: AuthService): RequestHandler {
  return async (req, _res, next) => {
    const token = bearerOrBasicToken(req.get('authorization'));
    if (token) {
      req.actor = (await auth.authenticateToken(token)) ?? undefined;
      if (!req.actor) throw new UnauthorizedError('Invalid credentials provided.');
      req.log = req.log.child({ userId: req.actor.user.id });
      return next();
    }
    const cookie = (req.cookies as Record<string, string> | undefined)?.[SESSION_COOKIE];
    if (cookie) {
      const actor = await auth.authenticateToken(cookie);
      if (actor) {
        if (!SAFE.has(req.method) && !req.is('application/json') && !req.get('x-requested-with')) {
          throw new ForbiddenError('Requests from the dashboard must send JSON or an X-Requested-With header.');
        }
        req.actor = { ...actor, via: 'session' };
        req.log = req.log.child({ userId: actor.user.id });
      }
    }
    next();
  };
}

export const requireActor: RequestHandler = (req, _res, next) => {
  if (!req.actor) throw new UnauthorizedError('You must be signed in: send Authorization: Bearer <token>.');
  next();
};

export const requirePlatformAdmin: RequestHandler = (req, _res, next) => {
  if (!req.actor) throw new UnauthorizedError('You must be signed in.');
  if (!req.actor.user.isAdmin) throw new ForbiddenError('This needs a platform administrator.');
  next();
};
