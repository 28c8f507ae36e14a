import { describe, expect, it } from 'vitest';
import { dailyMoney } from './money-series';

describe('dailyMoney', () => {
  it('gives one point per UTC day, zero where nothing happened, revenue positive', () => {
    const rows = [
      { day: '2026-03-09', kind: 'charge', amount: -7000 },
      { day: '2026-03-10', kind: 'charge', amount: -14000 },
      { day: '2026-03-10', kind: 'credit', amount: 25_000_000 },
      { day: '2026-03-10', kind: 'adjustment', amount: -5 },
    ];
    const s = dailyMoney(rows, 3, new Date('2026-03-10T18:00:00Z'));
    expect(s.x.map((t) => new Date(t * 1000).toISOString().slice(0, 10))).toEqual(['2026-03-08', '2026-03-09', '2026-03-10']);
    expect(s.revenue).toEqual([0, 7000, 14000]);
    expect(s.credits).toEqual([0, 0, 25_000_000]);
  });
});
