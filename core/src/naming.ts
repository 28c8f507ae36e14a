// Names and the rules they follow. Everything a user names is checked here before it reaches a
// query, a path, an argv or a label. Messages name the rule that was broken.
import { ValidationError } from './errors.js';

export const APP_NAME_RULE = '^[a-z][a-z0-9-]{1,29}$';
const APP_NAME_RE = new RegExp(APP_NAME_RULE);

export const RESERVED_APP_NAMES = new Set([
  'www', 'api', 'git', 'admin', 'dashboard', 'app', 'apps', 'mail', 'smtp', 'ftp', 'ssh', 'root',
  'slipway', 'traefik', 'registry', 'grafana', 'prometheus', 'loki', 'status', 'help', 'support',
  'docs', 'static', 'assets', 'cdn', 'login', 'auth', 'oauth', 'billing', 'console', 'localhost',
]);

export function validateAppName(name: unknown): string {
  if (typeof name !== 'string' || !APP_NAME_RE.test(name)) {
    throw new ValidationError(
      `Name must start with a letter and use only lowercase letters, digits and dashes, 2 to 30 characters (${APP_NAME_RULE}).`,
      { field: 'name', rule: APP_NAME_RULE },
    );
  }
  if (name.endsWith('-') || name.includes('--')) {
    throw new ValidationError('Name must not end with a dash or contain two dashes in a row.', { field: 'name' });
  }
  if (RESERVED_APP_NAMES.has(name)) {
    throw new ValidationError(`Name "${name}" is reserved.`, { field: 'name', rule: 'reserved' });
  }
  return name;
}

export const ORG_NAME_RULE = APP_NAME_RULE;
export function validateOrgName(name: unknown): string {
  if (typeof name !== 'string' || !APP_NAME_RE.test(name) || name.endsWith('-')) {
    throw new ValidationError(
      `Organization name must start with a letter and use only lowercase letters, digits and dashes, 2 to 30 characters (${ORG_NAME_RULE}).`,
      { field: 'name', rule: ORG_NAME_RULE },
    );
  }
  return name;
}

export const CONFIG_KEY_RULE = '^[A-Z_][A-Z0-9_]*$';
const CONFIG_KEY_RE = new RegExp(CONFIG_KEY_RULE);
export const CONFIG_KEY_MAX = 128;
export const CONFIG_TOTAL_MAX_BYTES = 64 * 1024;

/** Heroku's rules: the platform's own names start with HEROKU_ (and SLIPWAY_ here), and a leading
 *  double underscore is reserved. */
export const RESERVED_CONFIG_PREFIXES = ['HEROKU_', 'SLIPWAY_', '__'] as const;

export function validateConfigKey(key: string): string {
  if (!CONFIG_KEY_RE.test(key) || key.length > CONFIG_KEY_MAX) {
    throw new ValidationError(
      `Config var key "${printable(key)}" must match ${CONFIG_KEY_RULE} (uppercase letters, digits, underscores; not starting with a digit) and be at most ${CONFIG_KEY_MAX} characters.`,
      { field: 'key', rule: CONFIG_KEY_RULE },
    );
  }
  const reserved = RESERVED_CONFIG_PREFIXES.find((p) => key.startsWith(p));
  if (reserved) {
    throw new ValidationError(`Config var key "${key}" must not start with ${reserved}: that prefix is reserved for the platform.`, { field: 'key', rule: 'reserved_prefix' });
  }
  return key;
}

export const PROCESS_TYPE_RULE = '^[a-z][a-z0-9_-]{0,29}$';
const PROCESS_TYPE_RE = new RegExp(PROCESS_TYPE_RULE);
export function validateProcessType(type: unknown): string {
  if (typeof type !== 'string' || !PROCESS_TYPE_RE.test(type)) {
    throw new ValidationError(`Process type must match ${PROCESS_TYPE_RULE}.`, { field: 'type', rule: PROCESS_TYPE_RULE });
  }
  return type;
}

const LABEL_RE = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** A DNS hostname: lowercase labels of letters, digits and inner dashes; nothing else can reach a router rule. */
export function validateHostname(hostname: unknown): string {
  const rule = 'lowercase DNS labels of letters, digits and inner dashes, separated by dots, at most 253 characters';
  if (typeof hostname !== 'string' || hostname.length > 253 || hostname.length < 1) {
    throw new ValidationError(`Hostname must be ${rule}.`, { field: 'hostname' });
  }
  const labels = hostname.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL_RE.test(l)) || /^\d+$/.test(labels.at(-1) ?? '')) {
    throw new ValidationError(`Hostname "${printable(hostname)}" must be ${rule}.`, { field: 'hostname' });
  }
  return hostname;
}

/** Git refs that deploy. Anything else (other branches, tags, option-like strings) does not. */
export const DEPLOY_REFS = new Set(['refs/heads/main', 'refs/heads/master']);

const SHA_RE = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
export function validateCommitSha(sha: unknown): string {
  if (typeof sha !== 'string' || !SHA_RE.test(sha)) throw new ValidationError('Commit must be a full hex object id.');
  return sha;
}

// Swarm and edge naming (DESIGN.md §6)
export const serviceName = (appName: string, type: string): string => `slw-${appName}-${type.replace(/_/g, '-')}`;
export const orgNetworkName = (orgId: string): string => `slw-org-${orgId.replace(/-/g, '').slice(0, 20)}`;
export const LABEL_MANAGED = 'slipway.managed';
export const LABEL_APP = 'slipway.app';
export const LABEL_ORG = 'slipway.org';
export const LABEL_TYPE = 'slipway.process-type';
export const LABEL_RELEASE = 'slipway.release';

export const defaultHostname = (appName: string, domain: string): string => `${appName}.${domain}`;

/** Render user input safely inside an error message: no control characters, bounded length. */
export function printable(s: string, max = 64): string {
  // eslint-disable-next-line no-control-regex -- replacing control characters is the point
  const clean = s.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
