import { describe, expect, it } from 'vitest';
import { formatUsd, hoursLeft, isLowBalance, validateAmount } from './money.js';

describe('money', () => {
  it('formats micro-units as exact USD decimals', () => {
    expect(formatUsd(0)).toBe('0.000000');
    expect(formatUsd(1)).toBe('0.000001');
    expect(formatUsd(-1750)).toBe('-0.001750');
    expect(formatUsd(12_345_678_901)).toBe('12345.678901');
  });

  it('gives hours left rounded down, 0 when empty, null when nothing is billed', () => {
    expect(hoursLeft(100_000, 7000)).toBe(14.28);
    expect(hoursLeft(0, 7000)).toBe(0);
    expect(hoursLeft(-5, 7000)).toBe(0);
    expect(hoursLeft(100_000, 0)).toBeNull();
  });

  it('is low below 24 hours of burn', () => {
    expect(isLowBalance(167_999, 7000)).toBe(true);
    expect(isLowBalance(168_000, 7000)).toBe(false);
    expect(isLowBalance(0, 0)).toBe(false);
  });

  it('accepts whole, non-zero, bounded amounts only', () => {
    expect(validateAmount(5, { allowNegative: false })).toBe(5);
    expect(validateAmount(-5, { allowNegative: true })).toBe(-5);
    for (const bad of [0, -5, 1.5, '5', 10_000_000_000_001, Number.NaN]) expect(() => validateAmount(bad, { allowNegative: false })).toThrow(/micro-units/);
  });
});
