// The Express application: middleware order, routers, the one error handler.
import express, { type Express } from 'express';
import cookieParser from 'cookie-parser';
import helmet from 'helmet';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import type { HttpContext } from './context.js';
import { accessLog, herokuVersion, requestContext } from './middleware/request-context.js';
import { authenticate } from './middleware/auth.js';
import { errorBody, errorHandler, notFoundHandler } from './middleware/error-handler.js';
import { bodyHygiene, markNonUtf8, urlHygiene } from './middleware/input-hygiene.js';
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
import { adminAccountRoutes } from './routes/admin-accounts.routes.js';
import { adminActivityRoutes } from './routes/admin-activity.routes.js';
import { adminBillingRoutes } from './routes/admin-billing.routes.js';
import { adminNodesRoutes } from './routes/admin-nodes.routes.js';
import { edgeConfigRoutes } from './routes/edge-config.routes.js';
import { acmeRoutes } from './routes/acme.routes.js';
import type { Router } from 'express';

export const BODY_LIMIT = '256kb';

export interface HttpAppOptions {
  /** Extra routers mounted before the API (git smart HTTP). */
  before?: Router[];
  /** Extra routers mounted with the API (admin, billing…), after authentication. */
  extra?: Router[];
  /** Sign-ups allowed per client address per 15 minutes (failed sign-ins are counted by LoginThrottle). */
  signupsPer15Min?: number;
}

/** What every response carries: the dashboard's content security policy (its own scripts, styles,
 *  images and API only; never framed), nosniff and no referrer. HSTS is left to the TLS edge. */
export const securityHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      fontSrc: ["'self'"],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
  strictTransportSecurity: false,
  crossOriginEmbedderPolicy: false,
});

/** Every router of the admin console (/api/v1/admin/…; billing.routes.ts has the billing cursor,
 *  "Run now" and wallet credits too). Tests walk their routes. */
export function adminRouters(ctx: HttpContext): Router[] {
  const s = ctx.services;
  return [
    adminPlansRoutes(ctx),
    adminRoutes(s.admin),
    adminAccountRoutes({ users: s.adminUsers, orgs: s.adminOrgs }),
    adminActivityRoutes(s.adminOverview),
    adminBillingRoutes(s.billingOverview),
    adminNodesRoutes(s.nodes),
  ];
}

export function createHttpApp(ctx: HttpContext, opts: HttpAppOptions = {}): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', ctx.trustProxy);
  app.set('etag', false);
  app.use(requestContext(ctx.log));
  app.use(accessLog());
  app.use(securityHeaders);
  app.use(urlHygiene);
  for (const r of opts.before ?? []) app.use(r);
  app.use(slugRoutes(ctx.slugs));
  if (ctx.edge) app.use(edgeConfigRoutes(ctx.edge));
  app.use(acmeRoutes(ctx));

  app.use(express.json({ limit: BODY_LIMIT, type: ['application/json', 'application/*+json'], verify: markNonUtf8 }));
  app.use(bodyHygiene);
  app.use(cookieParser());
  app.use(herokuVersion);
  // after the body parsers (their callbacks would lose the scope): activity entries written while
  // serving this request record its client address
  app.use((req, _res, next) => ctx.store.origin.run({ ip: req.ip ?? null }, next));

  // sign-up per client address (sign-in failures: LoginThrottle, per account and address)
  const signupLimiter = rateLimit({
    windowMs: 15 * 60_000,
    limit: opts.signupsPer15Min ?? 30,
    skipSuccessfulRequests: true,
    keyGenerator: (req) => ipKeyGenerator(req.ip ?? ''),
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    handler: (req, res) => {
      res.status(429).json(errorBody('rate_limit', 'Too many failed sign-ups from this address; wait 15 minutes and try again.', req.id));
    },
  });
  app.use('/api/v1/users', (req, res, next) => (req.method === 'POST' ? signupLimiter(req, res, next) : next()));

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
  for (const r of adminRouters(ctx)) app.use(r);
  for (const r of opts.extra ?? []) app.use(r);
  app.use(systemRoutes(ctx));
  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
