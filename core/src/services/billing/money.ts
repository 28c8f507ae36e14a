// Money in Slipway: integer micro-units (1 USD = 1,000,000), signed in the ledger (credits
// positive, charges negative). Only USD. Rounding happens once, in SQL, per app-hour: see
// repositories/billing.repository.ts.
import { ValidationError } from '../../errors.js';

export const MICRO_PER_USD = 1_000_000;
export const CURRENCY = 'USD' as const;
export const HOUR_MS = 3_600_000;
/** A wallet is "low" when it covers fewer hours than this at the current burn rate. */
export const LOW_BALANCE_HOURS = 24;
/** Largest single credit or adjustment: 10 million USD. */
export const MAX_ENTRY_AMOUNT = 10_000_000 * MICRO_PER_USD;

/** "-12.345678" style decimal USD for CSV and messages (exact: integer arithmetic). */
export function formatUsd(micro: number): string {
  const sign = micro < 0 ? '-' : '';
  const abs = Math.abs(micro);
  return `${sign}${Math.floor(abs / MICRO_PER_USD)}.${String(abs % MICRO_PER_USD).padStart(6, '0')}`;
}

/** Hours a balance lasts at a burn rate: null when nothing is billed, 0 when nothing is left;
 *  otherwise rounded down to 2 decimals. */
export function hoursLeft(balance: number, burnPerHour: number): number | null {
  if (burnPerHour <= 0) return null;
  if (balance <= 0) return 0;
  return Math.floor((balance * 100) / burnPerHour) / 100;
}

export function isLowBalance(balance: number, burnPerHour: number): boolean {
  return burnPerHour > 0 && balance < LOW_BALANCE_HOURS * burnPerHour;
}

export function validateAmount(v: unknown, opts: { allowNegative: boolean; field?: string }): number {
  const field = opts.field ?? 'amount';
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v === 0 || Math.abs(v) > MAX_ENTRY_AMOUNT || (!opts.allowNegative && v < 0)) {
    throw new ValidationError(
      `${field} must be a whole number of micro-units (1 USD = 1000000), ${opts.allowNegative ? 'not 0' : 'above 0'}, at most ${MAX_ENTRY_AMOUNT} in size.`,
      { field },
    );
  }
  return v;
}
