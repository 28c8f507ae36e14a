// Money per day over a period, drawn with uPlot: revenue charged and credits added, side by side,
// from the admin overview's daily sums. Days without entries are zero.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatMoney } from '../lib/money';
import { dailyMoney, type MoneyDay } from '../lib/money-series';

export function MoneyChart({ rows, days = 30 }: { rows: MoneyDay[]; days?: number }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const box = el.current;
    if (!box) return;
    const { x, revenue, credits } = dailyMoney(rows, days);
    const money = (_u: uPlot, v: number | null) => (v == null ? '—' : formatMoney(v, { maxDecimals: 2 }));
    const opts: uPlot.Options = {
      width: Math.max(280, box.clientWidth),
      height: 240,
      legend: { show: false },
      scales: { x: { time: true, range: (_u, min, max) => [min - 43_200, max + 43_200] } },
      series: [
        { label: 'Day', value: (_u, v) => (v == null ? '' : new Date(v * 1000).toISOString().slice(0, 10)) },
        { label: 'Revenue charged', stroke: '#1f9d74', fill: 'rgba(31,157,116,0.55)', width: 1, paths: uPlot.paths.bars!({ size: [0.4, 14], align: -1 }), points: { show: false }, value: money },
        { label: 'Credits added', stroke: '#6a4bd6', fill: 'rgba(106,75,214,0.55)', width: 1, paths: uPlot.paths.bars!({ size: [0.4, 14], align: 1 }), points: { show: false }, value: money },
      ],
      axes: [
        { values: (_u, vals) => vals.map((v) => new Date(v * 1000).toISOString().slice(5, 10)), space: 48 },
        { values: (_u, vals) => vals.map((v) => formatMoney(v, { maxDecimals: 2 })), size: 76 },
      ],
    };
    const plot = new uPlot(opts, [x, revenue, credits], box);
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(280, box.clientWidth), height: 240 }));
    ro.observe(box);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [rows, days]);
  return <div ref={el} className="money-chart" role="img" aria-label={`Revenue charged and credits added per day, last ${days} days`} data-testid="money-chart" />;
}
