// Records what actually runs (formation_events, which billing reads) after the runtime applied a
// change: one event per process type whose running quantity or plan changed, with the plan's price
// at that moment. Types that are gone get a quantity-0 event.
import type { Repositories } from '@slipway/core/repositories/index';
import type { AppRow } from '@slipway/core/repositories/types';

export async function recordRunning(repos: Repositories, app: AppRow, running: { type: string; quantity: number }[], reason: string): Promise<void> {
  const plan = await repos.plans.find(app.planId);
  const price = plan?.pricePerHour ?? 0;
  const before = new Map((await repos.formation.runningNow(app.id)).map((r) => [r.type, r]));
  const events = [];
  for (const r of running) {
    const prev = before.get(r.type);
    before.delete(r.type);
    if (prev && prev.quantity === r.quantity && (r.quantity === 0 || (prev.planId === app.planId && prev.pricePerHour === price))) continue;
    if (!prev && r.quantity === 0) continue;
    events.push({ orgId: app.orgId, appId: app.id, appName: app.name, type: r.type, quantity: r.quantity, planId: app.planId, pricePerHour: price, reason });
  }
  for (const [type, prev] of before) {
    if (prev.quantity > 0) events.push({ orgId: app.orgId, appId: app.id, appName: app.name, type, quantity: 0, planId: app.planId, pricePerHour: price, reason });
  }
  await repos.formation.recordEvents(events);
}
