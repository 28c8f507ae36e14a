// The one place errors become HTTP responses. Body (Heroku Platform API style + our envelope):
//   { "id": "<code>", "message": "…", "error": { "code", "message", "requestId" } }
// plus Heroku's "resource" (what was not found: "app", "session"…) when the error names one.
// AppErrors carry their status; zod errors are 400 naming the field; anything else is a 500 whose
// details go to the log (with the request id), never to the client.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ZodError } from 'zod';
import { isAppError } from '@slipway/core/errors';

export function errorBody(code: string, message: string, requestId: string, extra?: Record<string, unknown>) {
  return { id: code, message, ...extra, error: { code, message, requestId } };
}

export function zodMessage(err: ZodError): string {
  return err.issues
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json(errorBody('not_found', 'The requested API endpoint was not found.', req.id));
};

export const errorHandler: ErrorRequestHandler = (err, req, res, _next) => {
  const requestId = req.id ?? 'unknown';
  if (res.headersSent) {
    req.log?.warn({ err }, 'error after response started');
    res.end();
    return;
  }
  if (isAppError(err)) {
    if (err.status >= 500) req.log.error({ err }, err.message);
    const resource = typeof err.details?.resource === 'string' ? { resource: err.details.resource } : {};
    res.status(err.status).json(errorBody(err.code, err.message, requestId, err.details ? { ...resource, details: err.details } : undefined));
    return;
  }
  if (err instanceof ZodError) {
    res.status(400).json(errorBody('invalid_params', zodMessage(err), requestId));
    return;
  }
  const e = err as { type?: string; status?: number; expose?: boolean };
  if (e.type === 'entity.too.large') {
    res.status(413).json(errorBody('payload_too_large', 'The request body is too large.', requestId));
    return;
  }
  if (e.type === 'entity.parse.failed') {
    res.status(400).json(errorBody('invalid_params', 'The request body is not valid JSON.', requestId));
    return;
  }
  if (e.type === 'encoding.unsupported' || e.type === 'charset.unsupported') {
    res.status(400).json(errorBody('invalid_params', 'The request body must be JSON in UTF-8.', requestId));
    return;
  }
  if (err instanceof URIError) {
    // a path segment whose percent-encoding does not decode (the router's parameter decoding)
    res.status(400).json(errorBody('bad_request', 'The request is malformed (a URL part does not decode).', requestId));
    return;
  }
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500 && e.expose) {
    res.status(e.status).json(errorBody('bad_request', 'The request is malformed.', requestId));
    return;
  }
  req.log.error({ err }, 'unhandled error');
  res.status(500).json(errorBody('internal_error', 'Something went wrong on our side; the request id identifies it in the logs.', requestId));
};
