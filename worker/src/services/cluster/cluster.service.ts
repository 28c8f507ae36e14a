// The swarm's own parts, kept as the settings say: the manager's labels (slipway.node=manager, and
// slipway.edge while edge_on_manager), the private registry with the platform's images in it (the
// runtime then names the stack image by its registry name, so any node can pull it), and the edge:
// with swarm_edge=nginx, Slipway's nginx edge service (one task per edge node, joined to every
// organization network, configuration fetched from the api); with swarm_edge=traefik, none (an
// operator's Traefik reads the services' labels).
// Promises: prepare() runs once at worker start, before the runtime recovers; sync() (every
// heartbeat) applies a changed setting within one heartbeat; both are idempotent.
// Leaves out: nodes (services/nodes), the routing table (SwarmRuntime keeps it).
import { createHash } from 'node:crypto';
import type Docker from 'dockerode';
import type { Config } from '@slipway/core/config/config';
import type { Logger } from '@slipway/core/logger';
import type { SecretBox } from '@slipway/core/crypto';
import { LABEL_MANAGED } from '@slipway/core/naming';
import type { Settings } from '@slipway/core/settings/settings.service';
import { edgeOnManager, swarmEdge } from '@slipway/core/settings/nodes.settings';
import { SwarmApi } from '@slipway/core/adapters/runtime/swarm/swarm.api';
import type { SwarmNodes } from '@slipway/core/adapters/runtime/swarm/swarm.nodes';
import type { SwarmRuntime } from '@slipway/core/adapters/runtime/swarm/swarm.runtime';
import { LABEL_KIND, LABEL_NODE, LABEL_SPEC } from '@slipway/core/adapters/runtime/swarm/service-spec';
import { EDGE_SERVICE, LABEL_EDGE, edgeServiceSpec } from '@slipway/core/adapters/runtime/swarm/platform-services';
import { edgeAgentToken } from '@slipway/core/adapters/edge/swarm/swarm-edge.config';
import type { PrivateRegistry } from './registry.service.js';

export interface ClusterDeps {
  docker: Docker;
  nodes: SwarmNodes;
  registry: PrivateRegistry;
  runtime: SwarmRuntime;
  settings: Settings;
  box: SecretBox;
  config: Config;
  log: Logger;
}

export class ClusterService {
  private readonly api: SwarmApi;

  constructor(private readonly deps: ClusterDeps) {
    this.api = new SwarmApi(deps.docker);
  }

  async prepare(): Promise<void> {
    const { registry, runtime, config } = this.deps;
    if (await registry.ensure()) runtime.useStackImage(await registry.push(config.docker.stackImage));
    await this.sync();
  }

  async sync(): Promise<void> {
    const { nodes, settings } = this.deps;
    const self = await nodes.self();
    const me = await nodes.get(self.id);
    const wantEdge = (await settings.get(edgeOnManager)) ? 'true' : undefined;
    if (me && (me.labels[LABEL_NODE] !== 'manager' || me.labels[LABEL_EDGE] !== wantEdge)) {
      await nodes.update(self.id, { labels: { [LABEL_NODE]: 'manager', [LABEL_EDGE]: wantEdge ?? null } });
    }
    if ((await settings.get(swarmEdge)) === 'nginx') await this.ensureEdge();
    else await this.removeEdge();
  }

  private async ensureEdge(): Promise<void> {
    const { config, registry, docker, log } = this.deps;
    const image = await registry.push(config.docker.edgeImage);
    const token = edgeAgentToken(this.deps.box);
    const labels = { [LABEL_MANAGED]: 'true', [LABEL_KIND]: 'edge' };
    const secret = await this.api.ensureSecret(`${EDGE_SERVICE}-token-${createHash('sha256').update(token).digest('hex').slice(0, 12)}`, Buffer.from(token), labels);
    const cur = await this.api.service(EDGE_SERVICE);
    // a new edge joins every organization network at once; an existing one keeps the ones it has
    const networks = cur
      ? (cur.Spec.TaskTemplate.Networks ?? []).map((n) => n.Target)
      : (await this.api.networks({ [LABEL_KIND]: 'org-network' })).map((n) => n.Name);
    const spec = edgeServiceSpec({ image, port: config.edge.port, tlsPort: config.edge.tlsPort, configUrl: `${config.api.slugBaseUrl}/internal/edge/nginx.conf`, token: secret, networks });
    const digest = createHash('sha256').update(JSON.stringify({ ...spec, TaskTemplate: { ...spec.TaskTemplate, Networks: [] } })).digest('hex').slice(0, 16);
    spec.Labels = { ...spec.Labels, [LABEL_SPEC]: digest };
    if (!cur) {
      log.info({ port: config.edge.port, tlsPort: config.edge.tlsPort, image }, 'starting the nginx edge on the swarm');
      await docker.createService(spec as Docker.CreateServiceOptions);
    } else if (cur.Spec.Labels[LABEL_SPEC] !== digest) {
      log.info({ port: config.edge.port, tlsPort: config.edge.tlsPort, image }, 'updating the nginx edge on the swarm');
      await docker.getService(cur.ID).update({ _query: { version: cur.Version.Index }, _body: spec } as unknown as Record<string, unknown>);
    }
  }

  private async removeEdge(): Promise<void> {
    const cur = await this.api.service(EDGE_SERVICE);
    if (!cur || cur.Spec.Labels[LABEL_KIND] !== 'edge') return;
    this.deps.log.info('swarm_edge is traefik: removing the nginx edge');
    await this.api.removeService(cur);
  }
}
