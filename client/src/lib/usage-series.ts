// Usage rows (per app per UTC day) → uPlot's aligned columns: one x value per day present, one
// series per app, days without a row for an app count as 0.
import type { UsageRow } from '../api/types';

export function usageSeries(rows: UsageRow[]): { days: number[]; apps: string[]; data: (number | null)[][] } {
  const days = [...new Set(rows.map((r) => r.day.slice(0, 10)))].sort();
  const apps = [...new Set(rows.map((r) => r.app_name))].sort();
  const idx = new Map(days.map((d, i) => [d, i]));
  const data = apps.map(() => days.map(() => 0 as number | null));
  for (const r of rows) {
    const series = data[apps.indexOf(r.app_name)]!;
    const i = idx.get(r.day.slice(0, 10))!;
    series[i] = (series[i] ?? 0) + r.cost;
  }
  return { days: days.map((d) => Date.parse(`${d}T00:00:00Z`) / 1000), apps, data };
}
