// Money is integer micro-units (1 USD = 1,000,000). Formatting never goes through floating point:
// the whole and fractional parts are split with integer arithmetic, then trailing zeros beyond the
// cents are trimmed so $0.007/h and $5.11/mo both read naturally.

const MICRO = 1_000_000;

function group(whole: string): string {
  return whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** $1,234.50 · $0.007 · -$2.25 · $0.000001. `maxDecimals` (2..6) rounds half away from zero. */
export function formatMoney(micro: number, opts: { maxDecimals?: number } = {}): string {
  if (!Number.isFinite(micro)) return '—';
  const maxDecimals = Math.min(6, Math.max(2, opts.maxDecimals ?? 6));
  let abs = Math.abs(Math.round(micro));
  const step = 10 ** (6 - maxDecimals);
  if (step > 1) abs = Math.round(abs / step) * step;
  const whole = Math.floor(abs / MICRO);
  let frac = String(abs % MICRO).padStart(6, '0').slice(0, maxDecimals);
  frac = frac.replace(/0+$/, '');
  if (frac.length < 2) frac = frac.padEnd(2, '0');
  const sign = micro < 0 && abs !== 0 ? '-' : '';
  return `${sign}$${group(String(whole))}.${frac}`;
}

export const perHour = (micro: number) => `${formatMoney(micro)}/h`;
export const perMonth = (micro: number) => `${formatMoney(micro, { maxDecimals: 2 })}/mo`;

/** Hours a plan is billed per month (the API's price_per_month = price_per_hour × 730). */
export const HOURS_PER_MONTH = 730;

/** "3 days 4 h", "5 h 12 min", "no charges running" for a null/infinite value. */
export function formatHours(hours: number | null | undefined): string {
  if (hours === null || hours === undefined || !Number.isFinite(hours)) return 'no running charges';
  if (hours <= 0) return 'none — the balance is used up';
  const totalMin = Math.floor(hours * 60);
  const days = Math.floor(totalMin / 1440);
  const h = Math.floor((totalMin % 1440) / 60);
  const m = totalMin % 60;
  if (days > 0) return `${days} day${days === 1 ? '' : 's'}${h ? ` ${h} h` : ''}`;
  if (h > 0) return `${h} h${m ? ` ${m} min` : ''}`;
  return `${m} min`;
}
