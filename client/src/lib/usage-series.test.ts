import { describe, expect, it } from 'vitest';
import { usageSeries } from './usage-series';

describe('usageSeries', () => {
  it('aligns apps on the days present and sums cost per app and day', () => {
    const s = usageSeries([
      { app_id: 'b', app_name: 'beta', day: '2026-01-02', hours: 1, cost: 7000 },
      { app_id: 'a', app_name: 'alpha', day: '2026-01-01', hours: 2, cost: 14000 },
      { app_id: 'a', app_name: 'alpha', day: '2026-01-02', hours: 1, cost: 7000 },
      { app_id: 'a', app_name: 'alpha', day: '2026-01-02', hours: 1, cost: 1 },
    ]);
    expect(s.apps).toEqual(['alpha', 'beta']);
    expect(s.days).toEqual([Date.UTC(2026, 0, 1) / 1000, Date.UTC(2026, 0, 2) / 1000]);
    expect(s.data).toEqual([
      [14000, 7001],
      [0, 7000],
    ]);
  });
});
