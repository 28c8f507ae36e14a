// Checks a ReleaseSpec before the local runtime acts on it: ids that become paths, process types
// that become dyno names, quantities. Leaves out: config var rules (services validate those).
import { ValidationError } from '../../../errors.js';
import { validateProcessType } from '../../../naming.js';
import type { ReleaseSpec } from '../../../ports/runtime.port.js';
import { assertAppId } from './release-dir.js';

export function checkSpec(spec: ReleaseSpec): void {
  assertAppId(spec.app.id);
  if (!Number.isInteger(spec.release.version) || spec.release.version < 0) throw new ValidationError('release version must be a whole number');
  const seen = new Set<string>();
  for (const p of spec.processes) {
    validateProcessType(p.type);
    if (seen.has(p.type)) throw new ValidationError(`process type "${p.type}" appears twice`);
    seen.add(p.type);
    if (!Number.isInteger(p.quantity) || p.quantity < 0 || p.quantity > 100) throw new ValidationError(`quantity of ${p.type} must be 0 to 100`);
    if (p.quantity > 0 && !p.command.trim()) throw new ValidationError(`process type "${p.type}" has no command`);
  }
}
