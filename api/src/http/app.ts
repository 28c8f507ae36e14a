// The Express application: middleware order, routers, the one error handler.
import express, { type Express } from 'express';
import cookieParser from 'cookie-parser';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { HttpContext } from './context.js';
import { accessLog, herokuVersion, requestContext } from './middleware/request-context.js';
import { authenticate } from './middleware/auth.js';
import { errorBody, errorHandler, notFoundHandler } from './middleware/error-handler.js';
import { authRoutes } from './routes/auth.routes.js';
import { accountRoutes } from './routes/account.routes.js';
import { orgRoutes } from './routes/orgs.routes.js';
import { appsRoutes } from './routes/apps.routes.js';
import { appResourceRoutes } from './routes/app-resources.routes.js';
import { systemRoutes } from './routes/system.routes.js';
import { teamsRoutes } from './routes/teams.routes.js';
import { platformInfoRoutes } from './routes/platform-info.routes.js';
import { appDynoRoutes } from './routes/app-dynos.routes.js';
import { adminRoutes } from './routes/admin.routes.js';
import { slugRoutes } from './routes/slugs.routes.js';
import { billingRoutes } from './routes/billing.routes.js';
import { adminPlansRoutes } from './routes/admin-plans.routes.js';
import { acmeRoutes } from './routes/acme.routes.js';
import type { Router } from 'express';

export const BODY_LIMIT = '256kb';

export interface HttpAppOptions {
  /** Extra routers mounted before the API (git smart HTTP). */
  before?: Router[];
  /** Extra routers mounted with the API (admin, billing…), after authentication. */
  extra?: Router[];
  /** Failed sign-in attempts allowed per IP per 15 minutes. */
  authAttemptsPer15Min?: number;
}

function attemptedEmail(authorization: string | undefined, body: unknown): string {
  const m = /^basic\s+(.+)$/i.exec(authorization ?? '');
  const fromBasic = m ? Buffer.from(m[1]!, 'base64').toString('utf8').split(':')[0] : undefined;
  const fromBody = (body as { email?: unknown } | undefined)?.email;
  return String(fromBasic ?? fromBody ?? '').toLowerCase().slice(0, 254);
}

export function createHttpApp(ctx: HttpContext, opts: HttpAppOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.trustProxy);
  app.set('etag', false);
  app.use(requestContext(ctx.log));
  app.use(accessLog());
  for (const r of opts.before ?? []) app.use(r);
  app.use(slugRoutes(ctx.slugs));
  app.use(acmeRoutes(ctx));

  app.use(express.json({ limit: BODY_LIMIT, type: ['application/json', 'application/*+json'] }));
  app.use(cookieParser());
  app.use(herokuVersion);

  const authLimiter = rateLimit({
    windowMs: 15 * 60_000,
    limit: opts.authAttemptsPer15Min ?? 30,
    skipSuccessfulRequests: true,
    // per address and account, so one account's failures do not lock out its neighbours
    keyGenerator: (req) => `${ipKeyGenerator(req.ip ?? '')}|${attemptedEmail(req.get('authorization'), req.body)}`,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (req, res) => {
      res.status(429).json(errorBody('rate_limit', 'Too many failed sign-in attempts; wait 15 minutes and try again.', req.id));
    },
  });
  app.use(['/oauth/authorizations', '/api/v1/session', '/api/v1/users'], (req, res, next) => (req.method === 'POST' ? authLimiter(req, res, next) : next()));

  app.use(authenticate(ctx.services.auth));
  app.use(authRoutes(ctx));
  app.use(accountRoutes(ctx));
  app.use(orgRoutes(ctx));
  app.use(appsRoutes(ctx));
  app.use(teamsRoutes(ctx));
  app.use(platformInfoRoutes(ctx));
  app.use('/apps/:app', appResourceRoutes(ctx));
  app.use('/apps/:app', appDynoRoutes(ctx));
  app.use(billingRoutes(ctx));
  app.use(adminPlansRoutes(ctx));
  app.use(adminRoutes(ctx.services.admin));
  for (const r of opts.extra ?? []) app.use(r);
  app.use(systemRoutes(ctx));
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
