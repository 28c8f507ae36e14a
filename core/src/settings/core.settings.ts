// Settings that existed before the catalog: accounts and apps.
import { z } from 'zod';
import { defineSetting } from './setting.js';

export const signupEnabled = defineSetting<boolean>({
  key: 'signup_enabled',
  group: 'accounts',
  description: 'Anyone may create an account from the sign-in page. Off on a fresh install.',
  schema: z.boolean({ error: 'signup_enabled must be true or false' }),
  default: () => false,
});

export const maxAppsPerOrg = defineSetting<number>({
  key: 'max_apps_per_org',
  group: 'platform',
  description: 'How many apps one organization may have.',
  schema: z.number({ error: 'max_apps_per_org must be a number' }).int('max_apps_per_org must be a whole number').min(1, 'max_apps_per_org must be from 1 to 100000').max(100_000, 'max_apps_per_org must be from 1 to 100000'),
  default: () => 100,
});

export const billingEnabled = defineSetting<boolean>({
  key: 'billing_enabled',
  group: 'billing',
  description: 'Scheduled hourly billing runs (an admin can still run billing by hand when off).',
  schema: z.boolean({ error: 'billing_enabled must be true or false' }),
  default: () => true,
});
