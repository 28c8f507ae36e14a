// Limits that keep one tenant from using up the platform: sizes of what a push may bring and build
// (Heroku: a compressed slug may be at most 500 MB), organizations per user, and how many failed
// sign-ins an account or a client address gets in 15 minutes before it is locked for the rest of
// that window. Sizes are whole megabytes (MB = 1024 × 1024 bytes).
import { defineSetting, wholeNumber as whole } from './setting.js';

export const maxPushSizeMb = defineSetting<number>({
  key: 'max_push_size_mb',
  group: 'builds',
  description: 'Largest git push (the pack sent by the client), in MB; a bigger push is rejected and nothing of it is stored.',
  schema: whole('max_push_size_mb', 1, 102_400),
  default: () => 500,
});

export const maxSourceSizeMb = defineSetting<number>({
  key: 'max_source_size_mb',
  group: 'builds',
  description: "Largest unpacked source of a push (the pushed commit's files), in MB; a bigger push is rejected before it builds.",
  schema: whole('max_source_size_mb', 1, 102_400),
  default: () => 1024,
});

export const maxSlugSizeMb = defineSetting<number>({
  key: 'max_slug_size_mb',
  group: 'builds',
  description: 'Largest compressed slug a build may produce, in MB (Heroku: 500); a bigger one fails the build and is not stored.',
  schema: whole('max_slug_size_mb', 1, 102_400),
  default: () => 500,
});

export const maxOrgsPerUser = defineSetting<number>({
  key: 'max_orgs_per_user',
  group: 'accounts',
  description: 'How many organizations one user may own (their personal one included).',
  schema: whole('max_orgs_per_user', 1, 10_000),
  default: () => 20,
});

export const loginFailuresPerAccount = defineSetting<number>({
  key: 'login_failures_per_account',
  group: 'accounts',
  description: 'Failed sign-ins an account gets in 15 minutes; then it is locked (even for the right password) until the window ends.',
  schema: whole('login_failures_per_account', 1, 10_000),
  default: () => 10,
});

export const loginFailuresPerAddress = defineSetting<number>({
  key: 'login_failures_per_address',
  group: 'accounts',
  description: 'Failed sign-ins one client address gets in 15 minutes, whatever accounts it tries; then it is refused until the window ends.',
  schema: whole('login_failures_per_address', 1, 100_000),
  default: () => 50,
});
