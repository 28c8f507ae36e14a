// One platform setting: its key, what it means, how a value is validated, and its first-boot
// default (which may come from the environment through Config). Settings live in the database
// (table `settings`), are editable live by a platform admin, and are read through Settings
// (settings.service.ts). A secret setting is sealed at rest and never returned by the api.
// Environment variables are only first-boot defaults for these; what must be known before the
// database is up stays in Config.
import { z } from 'zod';
import type { Config } from '../config/config.js';

export type SettingGroup = 'platform' | 'accounts' | 'billing' | 'builds' | 'runtime' | 'object_store' | 'edge' | 'domains' | 'nodes' | 'logs';

export interface SettingDef<T = unknown> {
  key: string;
  group: SettingGroup;
  /** One sentence shown in the admin console. */
  description: string;
  /** Validates a value from the api; its message names the rule. */
  schema: z.ZodType<T>;
  /** The value while none is stored (may be derived from Config, i.e. the environment at boot). */
  default: (config: Config) => T;
  /** Sealed at rest, never returned (the api shows only whether it is set). */
  secret?: boolean;
  /** 'restart': read when the api and worker start (what they hold open, e.g. the Docker
   *  connection); the console says so. Default 'live': in effect within seconds. */
  takesEffect?: 'live' | 'restart';
}

export function defineSetting<T>(def: SettingDef<T>): SettingDef<T> {
  if (!/^[a-z][a-z0-9_]{1,62}$/.test(def.key)) throw new Error(`bad setting key ${def.key}`);
  return def;
}

/** A whole number from `min` to `max`, with messages naming the setting and its bounds. */
export function wholeNumber(key: string, min: number, max: number): z.ZodType<number> {
  return z
    .number({ error: `${key} must be a number` })
    .int(`${key} must be a whole number`)
    .min(min, `${key} must be from ${min} to ${max}`)
    .max(max, `${key} must be from ${min} to ${max}`);
}
