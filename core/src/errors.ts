// Typed errors thrown by services. One HTTP error handler (api/src/http/middleware/error-handler.ts)
// maps them to a status and a JSON body; workers map them to "retry or not". A message here is
// shown to the user, so it names the rule that was broken and never carries a secret.

export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  /** true when retrying the same work cannot succeed (bad input, missing thing). */
  readonly permanent: boolean = true;
  constructor(message: string, readonly details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  readonly status = 400;
  readonly code = 'invalid_params';
}

export class UnauthorizedError extends AppError {
  readonly status = 401;
  readonly code = 'unauthorized';
}

export class ForbiddenError extends AppError {
  readonly status = 403;
  readonly code = 'forbidden';
}

export class NotFoundError extends AppError {
  readonly status = 404;
  readonly code = 'not_found';
}

export class ConflictError extends AppError {
  readonly status = 409;
  readonly code = 'conflict';
}

/** A well-formed request that a limit or a business rule refuses (plan limits, quotas). */
export class LimitError extends AppError {
  readonly status = 422;
  readonly code = 'limit_exceeded';
}

export class PayloadTooLargeError extends AppError {
  readonly status = 413;
  readonly code = 'payload_too_large';
}

export class RateLimitError extends AppError {
  readonly status = 429;
  readonly code = 'rate_limit';
}

/** An external program we ran exited badly. Message is safe to show; output is not attached. */
export class CommandFailedError extends AppError {
  readonly status = 500;
  readonly code = 'command_failed';
  override readonly permanent = false;
}

/** A dependency (Docker, S3, nginx, a node) failed or could not be reached. Retried with backoff. */
export class UpstreamError extends AppError {
  readonly status = 502;
  readonly code = 'upstream_error';
  override readonly permanent = false;
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
