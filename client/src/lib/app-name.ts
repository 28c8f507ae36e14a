// The API's app-name rules (core/src/naming.ts), repeated here for live feedback while typing.
// The API stays the judge: its 400/409 messages are shown as they come.

export const APP_NAME_RULE = /^[a-z][a-z0-9-]{1,29}$/;

export const RESERVED_APP_NAMES = new Set([
  'www', 'api', 'git', 'admin', 'dashboard', 'app', 'apps', 'mail', 'smtp', 'ftp', 'ssh', 'root',
  'slipway', 'traefik', 'registry', 'grafana', 'prometheus', 'loki', 'status', 'help', 'support',
  'docs', 'static', 'assets', 'cdn', 'login', 'auth', 'oauth', 'billing', 'console', 'localhost',
]);

/** null when the name is acceptable, else what is wrong with it in plain words. */
export function appNameProblem(name: string): string | null {
  if (name.length === 0) return null;
  if (name.length < 2) return 'At least 2 characters.';
  if (name.length > 30) return 'At most 30 characters.';
  if (!/^[a-z]/.test(name)) return 'Must start with a lowercase letter.';
  if (/[^a-z0-9-]/.test(name)) return 'Only lowercase letters, digits and dashes.';
  if (!APP_NAME_RULE.test(name)) return 'Lowercase letters, digits and dashes, 2 to 30 characters.';
  if (name.endsWith('-')) return 'Must not end with a dash.';
  if (name.includes('--')) return 'Must not contain two dashes in a row.';
  if (RESERVED_APP_NAMES.has(name)) return `"${name}" is reserved.`;
  return null;
}
