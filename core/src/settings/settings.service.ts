// Reads and writes platform settings (catalog.ts) for the api and the worker. A stored value wins
// over the definition's first-boot default; values are re-read at most every `cacheMs` (default
// 2 s) so a change made in the admin console takes effect in every process without a restart.
// Secret settings are sealed with the platform scope (aad = the key) and never leave through
// `list()`: it reports only whether they are set. Every update is validated as a whole (nothing is
// written if one value is bad) and recorded in the activity log in the same transaction.
import type { Config } from '../config/config.js';
import type { SecretBox } from '../crypto.js';
import { ValidationError } from '../errors.js';
import type { Store } from '../repositories/index.js';
import { SETTINGS_CATALOG } from './catalog.js';
import type { SettingDef, SettingGroup } from './setting.js';
import { inputShape, type InputShape } from './input-shape.js';

export interface SettingView {
  key: string;
  group: SettingGroup;
  description: string;
  secret: boolean;
  /** The value in effect (null for a secret: see `isSet`). */
  value: unknown;
  isSet: boolean;
  /** true when no value is stored and the default applies. */
  isDefault: boolean;
  /** The default (null for a secret). */
  defaultValue: unknown;
  /** What kind of field edits it (derived from its schema). */
  input: InputShape;
  takesEffect: 'live' | 'restart';
}

export interface SettingsDeps {
  store: Store;
  config: Config;
  box: SecretBox;
  cacheMs?: number;
  catalog?: ReadonlyMap<string, SettingDef>;
}

const SCOPE = 'platform';

/** A secret counts as set when stored, or when its first-boot default (the environment) gives one. */
const hasValue = (v: unknown) => v !== '' && v !== null && v !== undefined;

export class Settings {
  private cache: { at: number; values: Map<string, { value: unknown; isSecret: boolean }> } | null = null;
  private readonly catalog: ReadonlyMap<string, SettingDef>;

  constructor(private readonly deps: SettingsDeps) {
    this.catalog = deps.catalog ?? SETTINGS_CATALOG;
  }

  /** The value in effect for one setting (secrets decrypted: for the platform's own use only). */
  async get<T>(def: SettingDef<T>): Promise<T> {
    const stored = (await this.stored()).get(def.key);
    if (!stored) return def.default(this.deps.config);
    if (def.secret) return JSON.parse(this.deps.box.openString(SCOPE, Buffer.from(stored.value as string, 'base64'), def.key)) as T;
    const parsed = def.schema.safeParse(stored.value);
    return parsed.success ? parsed.data : def.default(this.deps.config);
  }

  /** Every setting as the admin console shows it; secrets only say whether they are set. */
  async list(): Promise<SettingView[]> {
    const stored = await this.stored();
    const out: SettingView[] = [];
    for (const def of this.catalog.values()) {
      const row = stored.get(def.key);
      out.push({
        key: def.key,
        group: def.group,
        description: def.description,
        secret: !!def.secret,
        value: def.secret ? null : await this.get(def),
        isSet: def.secret ? !!row || hasValue(await this.get(def)) : true,
        isDefault: !row,
        defaultValue: def.secret ? null : def.default(this.deps.config),
        input: inputShape(def.schema),
        takesEffect: def.takesEffect ?? 'live',
      });
    }
    return out;
  }

  /**
   * Validates every value, then stores them all (a null value returns a setting to its default)
   * and records one activity entry naming the keys (never the values of secrets).
   */
  async update(patch: Record<string, unknown>, actor: { userId: string | null; ip?: string | null }): Promise<string[]> {
    const valid: [SettingDef, unknown][] = [];
    for (const [key, value] of Object.entries(patch)) {
      const def = this.catalog.get(key);
      if (!def) throw new ValidationError(`Unknown setting ${key}; settings are ${[...this.catalog.keys()].join(', ')}.`, { field: key });
      if (value === null) {
        valid.push([def, null]);
        continue;
      }
      const parsed = def.schema.safeParse(value);
      if (!parsed.success) throw new ValidationError(`${key}: ${parsed.error.issues[0]?.message ?? 'invalid value'}`, { field: key });
      valid.push([def, parsed.data]);
    }
    await this.deps.store.transaction(async (repos) => {
      for (const [def, value] of valid) {
        if (value === null) await repos.settings.remove(def.key);
        else if (def.secret) await repos.settings.set(def.key, this.deps.box.seal(SCOPE, JSON.stringify(value), def.key).toString('base64'), true);
        else await repos.settings.set(def.key, value);
      }
      await repos.activity.record({
        orgId: null,
        userId: actor.userId,
        action: 'settings.updated',
        details: { keys: valid.map(([d]) => d.key), ...(actor.ip ? { ip: actor.ip } : {}) },
      });
    });
    this.cache = null;
    return valid.map(([d]) => d.key);
  }

  /** Forget cached values (tests; a process that just wrote). */
  invalidate(): void {
    this.cache = null;
  }

  private async stored(): Promise<Map<string, { value: unknown; isSecret: boolean }>> {
    const ttl = this.deps.cacheMs ?? 2_000;
    if (this.cache && Date.now() - this.cache.at < ttl) return this.cache.values;
    const rows = await this.deps.store.repos.settings.all();
    const values = new Map(rows.map((r) => [r.key, { value: r.value, isSecret: r.isSecret }]));
    this.cache = { at: Date.now(), values };
    return values;
  }
}
