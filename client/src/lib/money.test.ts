import { describe, expect, it } from 'vitest';
import { formatHours, formatMoney, perHour, perMonth } from './money';

describe('formatMoney', () => {
  it('keeps sub-cent hourly prices exact', () => {
    expect(perHour(7000)).toBe('$0.007/h');
    expect(perMonth(7000 * 730)).toBe('$5.11/mo');
    expect(formatMoney(1)).toBe('$0.000001');
    expect(formatMoney(0)).toBe('$0.00');
  });
  it('groups thousands and signs negatives', () => {
    expect(formatMoney(1_234_500_000)).toBe('$1,234.50');
    expect(formatMoney(-2_250_000)).toBe('-$2.25');
  });
  it('rounds to the requested precision', () => {
    expect(formatMoney(5_115_000, { maxDecimals: 2 })).toBe('$5.12');
    expect(formatMoney(-4_000, { maxDecimals: 2 })).toBe('$0.00');
  });
});

describe('formatHours', () => {
  it('reads like a duration', () => {
    expect(formatHours(76)).toBe('3 days 4 h');
    expect(formatHours(5.2)).toBe('5 h 12 min');
    expect(formatHours(null)).toBe('no running charges');
    expect(formatHours(0)).toMatch(/used up/);
  });
});
