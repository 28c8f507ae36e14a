// Request id (accepts a sane incoming X-Request-Id, else generates one), a child logger, and the
// Heroku API version check (Accept: application/vnd.heroku+json; version=3 or 3.*).
import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Logger } from '@slipway/core/logger';
import { errorBody } from './error-handler.js';

const SANE_ID = /^[A-Za-z0-9._-]{8,128}$/;

export function requestContext(log: Logger): RequestHandler {
  return (req, res, next) => {
    const incoming = req.get('x-request-id');
    req.id = incoming && SANE_ID.test(incoming) ? incoming : randomUUID();
    req.log = log.child({ requestId: req.id });
    res.setHeader('Request-Id', req.id);
    res.setHeader('X-Request-Id', req.id);
    next();
  };
}

export const herokuVersion: RequestHandler = (req, res, next) => {
  const accept = req.get('accept') ?? '';
  const m = /application\/vnd\.heroku\+json\s*;\s*version=([^,;\s]+)/i.exec(accept);
  if (m && !/^3(\.[A-Za-z0-9-]+)?$/.test(m[1]!)) {
    res.status(400).json(errorBody('bad_request', `API version ${m[1]} is not supported; use version=3.`, req.id));
    return;
  }
  next();
};

export function accessLog(): RequestHandler {
  return (req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      req.log.info({ method: req.method, path: req.path, status: res.statusCode, ms: Math.round(ms * 10) / 10, userId: req.actor?.user.id }, 'request');
    });
    next();
  };
}
