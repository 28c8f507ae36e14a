// Every setting Slipway knows, by key. Each area declares its settings in its own
// `<area>.settings.ts` file next to this one and is listed here once (one line per area, so
// parallel changes merge cleanly).
import type { SettingDef } from './setting.js';
import * as core from './core.settings.js';
import * as sandbox from './sandbox.settings.js';
import * as billing from './billing.settings.js';
import * as domains from './domains.settings.js';
import * as limits from './limits.settings.js';
import * as admin from './admin.settings.js';

const AREAS: Record<string, SettingDef<any>>[] = [ // eslint-disable-line @typescript-eslint/no-explicit-any
  core,
  billing,
  domains,
  limits,
  sandbox,
  admin,
];

export const SETTINGS_CATALOG: ReadonlyMap<string, SettingDef> = new Map(
  AREAS.flatMap((area) => Object.values(area)).map((def) => [def.key, def as SettingDef]),
);
