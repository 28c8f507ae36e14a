// Turns database state into the Runtime port's ReleaseSpec: the release's artifact and config
// snapshot, the app's formation and plan limits, its health check path (the platform's default
// when the app sets none), its routed hostnames, maintenance flag, HTTPS redirect, and whether it
// is suspended (the edge then says it is unavailable).
import { NotFoundError } from '@slipway/core/errors';
import type { ReleaseSpec, Routing } from '@slipway/core/ports/runtime.port';
import type { Repositories } from '@slipway/core/repositories/index';
import type { AppRow, ReleaseRow } from '@slipway/core/repositories/types';
import type { ConfigVault } from '@slipway/core/services/config-vars.service';
import type { Settings } from '@slipway/core/settings/settings.service';
import { httpsRedirectDefault } from '@slipway/core/settings/domains.settings';
import { healthCheckDefaultPath } from '@slipway/core/settings/admin.settings';

export class ReleaseSpecs {
  constructor(private readonly vault: ConfigVault, private readonly settings: Settings) {}

  /** Only verified hostnames are routed (the default domain counts as verified). */
  async routing(repos: Repositories, app: AppRow): Promise<Routing> {
    const domains = await repos.domains.list(app.id);
    return {
      hostnames: domains.filter((d) => d.dnsStatus === 'verified').map((d) => d.hostname),
      maintenance: app.maintenance,
      unavailable: app.status === 'suspended',
      httpsRedirect: app.httpsRedirect ?? (await this.settings.get(httpsRedirectDefault)),
    };
  }

  async build(repos: Repositories, app: AppRow, release: ReleaseRow): Promise<ReleaseSpec & { releaseCommand: string | null }> {
    const slug = release.slugId ? await repos.slugs.findById(release.slugId) : null;
    if (!slug && !release.image) throw new NotFoundError(`release v${release.version} has nothing to run`);
    const plan = await repos.plans.find(app.planId);
    if (!plan) throw new NotFoundError('the app has no plan');
    const formation = await repos.formation.list(app.id);
    const types = slug?.processTypes ?? {};
    const sized = new Map<string, { cpu: number; memoryMb: number; maxReplicas: number }>();
    for (const f of formation) {
      const own = f.planId && f.planId !== plan.id ? await repos.plans.find(f.planId) : null;
      if (own) sized.set(f.type, { cpu: own.cpu, memoryMb: own.ramMb, maxReplicas: own.maxReplicas });
    }
    return {
      app: { id: app.id, name: app.name, orgId: app.orgId },
      release: { id: release.id, version: release.version },
      artifact: slug ? { kind: 'slug', objectKey: slug.objectKey, sha256: slug.sha256, size: slug.size } : { kind: 'image', image: release.image! },
      env: this.vault.openSnapshot(app, release.config),
      processes: formation.map((f) => ({ type: f.type, command: types[f.type] ?? f.command, quantity: f.quantity, ...(sized.has(f.type) ? { plan: sized.get(f.type)! } : {}) })),
      plan: { cpu: plan.cpu, memoryMb: plan.ramMb, maxReplicas: plan.maxReplicas, placement: plan.placementConstraints ?? [] },
      healthCheckPath: app.healthCheckPath ?? ((await this.settings.get(healthCheckDefaultPath)) || null),
      routing: await this.routing(repos, app),
      releaseCommand: types.release ?? null,
    };
  }
}
