// Billing settings an admin can change live: the credit every new organization starts with, and
// the grace period between a wallet running out and its organization's apps being suspended.
// (billing_enabled, which pauses scheduled billing runs, is in core.settings.ts.)
import { z } from 'zod';
import { defineSetting } from './setting.js';
import { MAX_ENTRY_AMOUNT } from '../services/billing/money.js';

export const startingCredit = defineSetting<number>({
  key: 'starting_credit',
  group: 'billing',
  description: 'Credit (micro-units: 1 USD = 1000000) put once into the wallet of every new organization, e.g. a trial. 0 = none.',
  schema: z
    .number({ error: 'starting_credit must be a number of micro-units' })
    .int('starting_credit must be a whole number of micro-units (1 USD = 1000000)')
    .min(0, 'starting_credit must be 0 or more')
    .max(MAX_ENTRY_AMOUNT, `starting_credit must be at most ${MAX_ENTRY_AMOUNT}`),
  default: () => 0,
});

export const suspensionGraceHours = defineSetting<number>({
  key: 'suspension_grace_hours',
  group: 'billing',
  description: 'Hours an organization keeps running after a charge empties its wallet (it is warned at once); its apps are suspended after that if the balance is still not above zero. 0 = suspend at once.',
  schema: z
    .number({ error: 'suspension_grace_hours must be a number' })
    .int('suspension_grace_hours must be a whole number of hours')
    .min(0, 'suspension_grace_hours must be from 0 to 720')
    .max(720, 'suspension_grace_hours must be from 0 to 720'),
  default: () => 24,
});
