// Config vars: sealed per organization at rest, validated before anything is written, and every
// change makes a release (Heroku semantics: PATCH merges, null deletes).
import { SecretBox, orgScope } from '../crypto.js';
import { ValidationError } from '../errors.js';
import { CONFIG_TOTAL_MAX_BYTES, validateConfigKey } from '../naming.js';
import type { Repositories } from '../repositories/index.js';
import type { AppRow } from '../repositories/types.js';

export type ConfigMap = Record<string, string>;

const varAad = (appId: string, key: string) => `config:${appId}:${key}`;
const snapshotAad = (appId: string) => `release-config:${appId}`;

export class ConfigVault {
  constructor(private readonly box: SecretBox) {}

  async read(repos: Repositories, app: Pick<AppRow, 'id' | 'orgId'>): Promise<ConfigMap> {
    const sealed = await repos.configVars.all(app.id);
    const out: ConfigMap = {};
    for (const [key, value] of sealed) out[key] = this.box.openString(orgScope(app.orgId), value, varAad(app.id, key));
    return out;
  }

  sealVar(app: Pick<AppRow, 'id' | 'orgId'>, key: string, value: string): Buffer {
    return this.box.seal(orgScope(app.orgId), value, varAad(app.id, key));
  }

  sealSnapshot(app: Pick<AppRow, 'id' | 'orgId'>, config: ConfigMap): Buffer {
    return this.box.seal(orgScope(app.orgId), JSON.stringify(config), snapshotAad(app.id));
  }

  openSnapshot(app: Pick<AppRow, 'id' | 'orgId'>, sealed: Buffer): ConfigMap {
    return JSON.parse(this.box.openString(orgScope(app.orgId), sealed, snapshotAad(app.id))) as ConfigMap;
  }

  /** Replace every var with the snapshot's (rollback). */
  async restore(repos: Repositories, app: Pick<AppRow, 'id' | 'orgId'>, config: ConfigMap): Promise<void> {
    await repos.configVars.replaceAll(app.id, Object.entries(config).map(([k, v]) => [k, this.sealVar(app, k, v)]));
  }
}

/** Validate a PATCH body completely before anything is written. Returns the merged map and a description. */
export function mergeConfig(current: ConfigMap, patch: Record<string, unknown>): { next: ConfigMap; set: string[]; removed: string[] } {
  const next: ConfigMap = { ...current };
  const set: string[] = [];
  const removed: string[] = [];
  for (const [key, value] of Object.entries(patch)) {
    validateConfigKey(key);
    if (value === null) {
      if (key in next) removed.push(key);
      delete next[key];
    } else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      next[key] = String(value);
      if (next[key].includes('\u0000')) throw new ValidationError(`Config var ${key} must not contain NUL bytes (a process environment cannot hold them).`, { field: key });
      if (current[key] !== next[key]) set.push(key);
    } else {
      throw new ValidationError(`Config var ${key} must be a string, a number, a boolean, or null to remove it.`, { field: key });
    }
  }
  const size = Object.entries(next).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
  if (size > CONFIG_TOTAL_MAX_BYTES) {
    throw new ValidationError(`Config vars may hold at most ${CONFIG_TOTAL_MAX_BYTES / 1024} KiB in total (this change makes ${Math.ceil(size / 1024)} KiB).`, {
      rule: 'config_total_size',
    });
  }
  return { next, set, removed };
}

export function describeConfigChange(set: string[], removed: string[]): string {
  const parts: string[] = [];
  if (set.length) parts.push(`Set ${set.join(', ')} config var${set.length > 1 ? 's' : ''}`);
  if (removed.length) parts.push(`Remove ${removed.join(', ')} config var${removed.length > 1 ? 's' : ''}`);
  return parts.join('; ') || 'No config change';
}
