// Daily cost per app over time, drawn with uPlot (one line per app).
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { UsageRow } from '../api/types';
import { usageSeries } from '../lib/usage-series';
import { formatMoney } from '../lib/money';

const COLORS = ['#6a4bd6', '#1f9d74', '#d9822b', '#c23b5a', '#2f7bd6', '#8a8f2c', '#9b4bb8', '#3a9bb0', '#b5651d', '#5a6270'];

export function UsageChart({ rows }: { rows: UsageRow[] }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const box = el.current;
    if (!box) return;
    const { days, apps, data } = usageSeries(rows);
    const opts: uPlot.Options = {
      width: Math.max(280, box.clientWidth),
      height: 260,
      scales: { x: { time: true, range: (_u, min, max) => [min - 43_200, max + 43_200] } },
      series: [
        { label: 'Day', value: (_u, v) => (v == null ? '' : new Date(v * 1000).toISOString().slice(0, 10)) },
        ...apps.map((a, i) => ({ label: a, stroke: COLORS[i % COLORS.length], width: 2, points: { show: days.length < 40 }, value: (_u: uPlot, v: number | null) => (v == null ? '—' : formatMoney(v, { maxDecimals: 4 })) })),
      ],
      // one tick per day of data (UTC days), labelled MM-DD
      axes: [{ splits: () => days.filter((_, i) => i % Math.ceil(days.length / 12) === 0), values: (_u, vals) => vals.map((v) => new Date(v * 1000).toISOString().slice(5, 10)), space: 40 }, { values: (_u, vals) => vals.map((v) => formatMoney(v, { maxDecimals: 2 })), size: 70 }],
    };
    const plot = new uPlot(opts, [days, ...data] as uPlot.AlignedData, box);
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(280, box.clientWidth), height: 260 }));
    ro.observe(box);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [rows]);
  return <div ref={el} className="usage-chart" role="img" aria-label="Daily cost per app" data-testid="usage-chart" />;
}
