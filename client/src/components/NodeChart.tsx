// One node's last 24 hours (a point per heartbeat), drawn with uPlot: CPU, memory and disk in use,
// in percent.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { NodeMetrics } from '../api/types';

const pct = (used: number | null, total: number | null) => (used === null || total === null || total <= 0 ? null : Math.round((used / total) * 1000) / 10);

export function NodeChart({ points }: { points: NodeMetrics['points'] }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const box = el.current;
    if (!box) return;
    const x = points.map((p) => new Date(p.ts).getTime() / 1000);
    const data: uPlot.AlignedData = [x, points.map((p) => p.cpu_percent), points.map((p) => pct(p.mem_used_mb, p.mem_total_mb)), points.map((p) => pct(p.disk_used_mb, p.disk_total_mb))];
    const value = (_u: uPlot, v: number | null) => (v == null ? '—' : `${v}%`);
    const plot = new uPlot(
      {
        width: Math.max(280, box.clientWidth),
        height: 200,
        scales: { y: { range: [0, 100] } },
        series: [{}, { label: 'CPU', stroke: '#6a4bd6', width: 2, value }, { label: 'Memory', stroke: '#1f9d74', width: 2, value }, { label: 'Disk', stroke: '#d9822b', width: 2, value }],
        axes: [{}, { values: (_u, vals) => vals.map((v) => `${v}%`), size: 50 }],
      },
      data,
      box,
    );
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(280, box.clientWidth), height: 200 }));
    ro.observe(box);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [points]);
  return <div ref={el} className="node-chart" role="img" aria-label="CPU, memory and disk in use over the last 24 hours" data-testid="node-chart" />;
}
