// app.json, Heroku's app manifest (https://devcenter.heroku.com/articles/app-json-schema): the
// parts Slipway acts on when an app is first deployed — `env` (description, value, required,
// generator "secret"), `formation` (quantity and size per process type), `buildpacks`, and
// `scripts.postdeploy` (a command run once as a one-off dyno after the first release). Other keys
// (name, description, logo, environments…) are accepted and ignored, as Heroku ignores what a
// feature does not use. An invalid manifest is an error that names the field (the push fails).
// Leaves out: add-ons (not provisioned: a warning says so), review apps' environments, images.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { ValidationError } from '../errors.js';
import { CONFIG_KEY_RULE, PROCESS_TYPE_RULE } from '../naming.js';

export const APP_JSON_MAX_BYTES = 64 * 1024;
// what an app's buildpacks setting accepts from a user (http and git URLs need an operator's leave)
const BUILDPACK_URL = /^(nodejs|python|static|procfile|heroku\/(nodejs|node|python|static|procfile)|heroku-community\/static|https:\/\/[A-Za-z0-9.-]+(:\d{1,5})?\/[A-Za-z0-9._~/-]*(#[A-Za-z0-9._/-]+)?)$/;

// a plain string is shorthand for { value } (env) and { command } (scripts)
const EnvEntry = z.preprocess((v) => (typeof v === 'string' ? { value: v } : v), z.object({
  description: z.string().max(1000).optional(),
  value: z.string().max(32_768).optional(),
  required: z.boolean().optional(),
  generator: z.literal('secret', { message: 'must be "secret" (the only generator)' }).optional(),
}).passthrough());

const Script = z.preprocess((v) => (typeof v === 'string' ? { command: v } : v), z.object({
  command: z.string().min(1, 'must not be empty').max(8192),
  size: z.string().max(40).optional(),
}).passthrough());

const Manifest = z.object({
  env: z.record(z.string().regex(new RegExp(CONFIG_KEY_RULE), `keys must match ${CONFIG_KEY_RULE}`).max(128), EnvEntry).optional(),
  formation: z.record(
    z.string().regex(new RegExp(PROCESS_TYPE_RULE), `process types must match ${PROCESS_TYPE_RULE}`),
    z.object({ quantity: z.number().int().min(0).max(1000).optional(), size: z.string().max(40).optional() }).passthrough(),
  ).optional(),
  buildpacks: z.array(z.object({
    url: z.string().max(2048).regex(BUILDPACK_URL, 'must be a built-in buildpack (heroku/nodejs, heroku/python, heroku/static, heroku/procfile) or an https URL'),
  }).passthrough()).max(8).optional(),
  scripts: z.object({ postdeploy: Script.optional() }).passthrough().optional(),
  addons: z.array(z.union([z.string(), z.object({ plan: z.string() }).passthrough()])).optional(),
  stack: z.string().max(64).optional(),
}).passthrough();

export interface AppJsonEnv {
  key: string;
  description?: string;
  value?: string;
  required: boolean;
  generator?: 'secret';
}

export interface AppJson {
  env: AppJsonEnv[];
  formation: Record<string, { quantity?: number; size?: string }>;
  buildpacks: string[];
  postdeploy: { command: string; size?: string } | null;
  /** Things the manifest asks for that Slipway does not do, to tell the user. */
  warnings: string[];
}

/** Parses and validates app.json text; throws ValidationError naming the field. */
export function parseAppJson(text: string): AppJson {
  if (Buffer.byteLength(text) > APP_JSON_MAX_BYTES) throw new ValidationError(`app.json is larger than ${APP_JSON_MAX_BYTES / 1024} KiB.`, { field: 'app.json' });
  let raw: unknown;
  try {
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new ValidationError(`app.json is not valid JSON: ${(err as Error).message}`, { field: 'app.json' });
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new ValidationError('app.json must hold a JSON object.', { field: 'app.json' });
  const parsed = Manifest.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.join('.') || '(root)';
    // a bad key of a record (env, formation): say what is wrong with the key
    const message = issue.code === 'invalid_key' ? issue.issues[0]?.message ?? issue.message : issue.message;
    throw new ValidationError(`app.json: ${field}: ${message}`, { field: `app.json ${field}` });
  }
  const m = parsed.data;
  const env: AppJsonEnv[] = Object.entries(m.env ?? {}).map(([key, e]) => ({ key, description: e.description, value: e.value, required: e.required ?? true, generator: e.generator }));
  const post = m.scripts?.postdeploy;
  const warnings: string[] = [];
  if (m.addons?.length) warnings.push(`app.json: addons (${m.addons.map((a) => (typeof a === 'string' ? a : a.plan)).join(', ')}) are not provisioned by Slipway`);
  if (m.stack && m.stack !== 'slipway-1') warnings.push(`app.json: stack "${m.stack}" is ignored: apps build on slipway-1`);
  return {
    env,
    formation: Object.fromEntries(Object.entries(m.formation ?? {}).map(([t, f]) => [t, { quantity: f.quantity, size: f.size }])),
    buildpacks: (m.buildpacks ?? []).map((b) => b.url),
    postdeploy: post === undefined ? null : { command: post.command, size: post.size },
    warnings,
  };
}

/** Heroku's "secret" generator: 64 hexadecimal characters. */
export function generateSecret(): string {
  return randomBytes(32).toString('hex');
}

/**
 * The config vars app.json gives an app on its first deploy, given what is already set: values
 * and generated secrets for unset keys. A required variable with neither a value nor a setting is
 * an error naming it.
 */
export function configFromAppJson(manifest: AppJson, current: Record<string, string>): { set: Record<string, string>; generated: string[] } {
  const set: Record<string, string> = {};
  const generated: string[] = [];
  for (const e of manifest.env) {
    if (e.key in current) continue;
    if (e.generator === 'secret') {
      set[e.key] = generateSecret();
      generated.push(e.key);
    } else if (e.value !== undefined) {
      set[e.key] = e.value;
    } else if (e.required) {
      const why = e.description ? ` (${e.description})` : '';
      throw new ValidationError(`app.json: env.${e.key} is required${why}: set it with \`heroku config:set ${e.key}=…\` and push again.`, { field: `app.json env.${e.key}` });
    }
  }
  return { set, generated };
}
