// A build that fails because of the app (its code, its Procfile, its buildpack choice): shown to
// the user as "Build failed: <message>" and never retried. Anything else thrown in the builder is
// an internal error.
import { ValidationError } from '@slipway/core/errors';

export class BuildFailure extends ValidationError {}
