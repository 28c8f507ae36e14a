// Records what actually runs (formation_events, which billing reads) after the runtime applied a
// change: one event per process type whose running quantity or plan changed, with the plan's price
// at that moment (a type with a size of its own is billed at its plan). Types that are gone get a
// quantity-0 event. One-off dynos (type run.N) are recorded by their runner, never here.
import type { Repositories } from '@slipway/core/repositories/index';
import type { AppRow } from '@slipway/core/repositories/types';

export const isOneOffType = (type: string): boolean => /^run\.\d+$/.test(type);

export async function recordRunning(repos: Repositories, app: AppRow, running: { type: string; quantity: number }[], reason: string): Promise<void> {
  const plans = new Map((await repos.plans.list({ activeOnly: false })).map((p) => [p.id, p]));
  const sizes = new Map((await repos.formation.list(app.id)).map((f) => [f.type, f.planId ?? app.planId]));
  const before = new Map((await repos.formation.runningNow(app.id)).map((r) => [r.type, r]));
  const events = [];
  for (const r of running) {
    const planId = sizes.get(r.type) ?? app.planId;
    const price = plans.get(planId)?.pricePerHour ?? 0;
    const prev = before.get(r.type);
    before.delete(r.type);
    if (prev && prev.quantity === r.quantity && (r.quantity === 0 || (prev.planId === planId && prev.pricePerHour === price))) continue;
    if (!prev && r.quantity === 0) continue;
    events.push({ orgId: app.orgId, appId: app.id, appName: app.name, type: r.type, quantity: r.quantity, planId, pricePerHour: price, reason });
  }
  for (const [type, prev] of before) {
    if (prev.quantity > 0 && !isOneOffType(type)) {
      events.push({ orgId: app.orgId, appId: app.id, appName: app.name, type, quantity: 0, planId: prev.planId, pricePerHour: prev.pricePerHour, reason });
    }
  }
  await repos.formation.recordEvents(events);
}
