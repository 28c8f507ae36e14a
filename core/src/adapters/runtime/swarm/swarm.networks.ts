// The networks SwarmRuntime's services live on: one overlay network per organization, with the
// edge services (Slipway's nginx edge, an operator's Traefik) kept on each, and the edge network
// with the maintenance responder (maintenance.ts).
// Promises: after a network change of an edge service, waits for its tasks to be replaced (it
// routes nothing meanwhile); an organization's network is removed only when no service of the
// organization is left, after the edges left it; an edge service that does not exist is skipped.
// Leaves out: the app's services and secrets (swarm.runtime.ts).
import type { Logger } from '../../../logger.js';
import { LABEL_ORG, orgNetworkName } from '../../../naming.js';
import { EDGE_NETWORK, MAINTENANCE_SERVICE } from '../../edge/traefik/traefik.labels.js';
import { maintenanceServiceSpec } from './maintenance.js';
import { LABEL_KIND } from './service-spec.js';
import type { SwarmApi } from './swarm.api.js';
import { waitForTasks, waitForUpdate } from './swarm.converge.js';
import { attachEdge, detachEdge, type EdgeChange } from './swarm.edge.js';

export interface SwarmNetworksOptions {
  api: SwarmApi;
  edgeServices: readonly string[];
  attachableNetworks: boolean;
  stackImage: string;
  logger: Logger;
  pollMs: number;
}

export class SwarmNetworks {
  constructor(private readonly o: SwarmNetworksOptions) {}

  /** The organization's overlay network, with every edge service on it. */
  async ensureOrgNetwork(orgId: string): Promise<void> {
    const net = orgNetworkName(orgId);
    await this.o.api.ensureOverlayNetwork(net, { [LABEL_ORG]: orgId, [LABEL_KIND]: 'org-network' }, this.o.attachableNetworks);
    for (const edge of this.o.edgeServices) await this.edgeSettled(await attachEdge(this.o.api, edge, net));
  }

  async removeOrgNetworkIfUnused(orgId: string): Promise<void> {
    const api = this.o.api;
    if ((await api.services({ [LABEL_ORG]: orgId })).length > 0) return;
    const net = await api.network(orgNetworkName(orgId));
    if (!net || net.Labels?.[LABEL_ORG] !== orgId) return;
    for (const edge of this.o.edgeServices) await this.edgeSettled(await detachEdge(api, edge, net.Name));
    const deadline = Date.now() + 20_000;
    while (!(await api.removeNetwork(net))) {
      if (Date.now() > deadline) {
        this.o.logger.warn({ orgId }, 'organization network still in use; left in place');
        return;
      }
      await new Promise((r) => setTimeout(r, this.o.pollMs));
    }
  }

  async ensureMaintenanceService(): Promise<void> {
    const api = this.o.api;
    await api.ensureOverlayNetwork(EDGE_NETWORK, { [LABEL_KIND]: 'edge-network' }, this.o.attachableNetworks);
    for (const edge of this.o.edgeServices) await this.edgeSettled(await attachEdge(api, edge, EDGE_NETWORK));
    const cur = await api.service(MAINTENANCE_SERVICE);
    const want = maintenanceServiceSpec(this.o.stackImage);
    if (!cur) {
      const res = await waitForTasks(api, await api.createService(want), { timeoutMs: 60_000, pollMs: this.o.pollMs });
      if (!res.ok) this.o.logger.warn({ reason: res.reason }, 'maintenance responder not running yet');
    }
    else if (cur.Spec.TaskTemplate.ContainerSpec.Image !== want.TaskTemplate.ContainerSpec.Image) await api.updateService(cur.ID, cur.Version.Index, want);
  }

  private async edgeSettled(change: EdgeChange | null): Promise<void> {
    if (!change) return;
    const res = await waitForUpdate(this.o.api, change.serviceId, change.prevStartedAt, { timeoutMs: 120_000, pollMs: this.o.pollMs });
    if (!res.ok) this.o.logger.warn({ edge: change.serviceId, reason: res.reason }, 'edge did not settle after a network change');
  }
}
