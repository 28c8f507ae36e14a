// The admin overview's money per UTC day (ledger_daily sums by kind) as chart series: every day of
// the period, zero where nothing was recorded; revenue is what charges took (made positive).
export interface MoneyDay {
  day: string;
  kind: string;
  amount: number;
}

/** One point per UTC day of the last `days` days: revenue (charges, made positive) and credits. */
export function dailyMoney(rows: MoneyDay[], days: number, today = new Date()): { x: number[]; revenue: number[]; credits: number[] } {
  const end = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  const x: number[] = [];
  const revenue: number[] = [];
  const credits: number[] = [];
  const byDay = new Map<string, { revenue: number; credits: number }>();
  for (const r of rows) {
    const d = byDay.get(r.day) ?? { revenue: 0, credits: 0 };
    if (r.kind === 'charge') d.revenue += -r.amount;
    if (r.kind === 'credit') d.credits += r.amount;
    byDay.set(r.day, d);
  }
  for (let i = days - 1; i >= 0; i--) {
    const t = end - i * 86_400_000;
    const d = byDay.get(new Date(t).toISOString().slice(0, 10));
    x.push(t / 1000);
    revenue.push(d?.revenue ?? 0);
    credits.push(d?.credits ?? 0);
  }
  return { x, revenue, credits };
}
