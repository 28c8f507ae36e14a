// The maintenance responder (swarm edge): one platform service, `slw-maintenance`, from the stack
// image (infra/images/stack/.../maintenance.py) answering every request with 503 and a maintenance
// page. An app in maintenance keeps its processes; only its Traefik routers point here instead
// (traefik.labels.ts). The responder lives on the edge network Traefik joins (`slw-edge`), carries
// slipway.managed=true but no app label (no app owns it), and is created on first need.
// Leaves out: per-app pages.
import { LABEL_MANAGED } from '../../../naming.js';
import { EDGE_NETWORK, MAINTENANCE_PORT, MAINTENANCE_SERVICE, maintenanceServiceLabels } from '../../edge/traefik/traefik.labels.js';
import { LABEL_KIND, type ServiceSpec } from './service-spec.js';

export function maintenanceServiceSpec(stackImage: string): ServiceSpec {
  const labels = { [LABEL_MANAGED]: 'true', [LABEL_KIND]: 'maintenance' };
  return {
    Name: MAINTENANCE_SERVICE,
    Labels: { ...labels, ...maintenanceServiceLabels() },
    TaskTemplate: {
      ContainerSpec: {
        Image: stackImage,
        Args: ['exec python3 /usr/local/lib/slipway/maintenance.py'],
        Env: [`PORT=${MAINTENANCE_PORT}`],
        Labels: labels,
        // it answers 503 by design: a TCP check on its port
        Healthcheck: { Test: ['CMD', '/usr/local/bin/slipway-health'], Interval: 2_000_000_000, Retries: 3 },
        StopGracePeriod: 5_000_000_000,
      },
      Resources: { Limits: { NanoCPUs: 250_000_000, MemoryBytes: 64 * 1024 * 1024 }, Reservations: { NanoCPUs: 0, MemoryBytes: 0 } },
      RestartPolicy: { Condition: 'any', Delay: 2_000_000_000, MaxAttempts: 0, Window: 0 },
      Networks: [{ Target: EDGE_NETWORK, Aliases: [MAINTENANCE_SERVICE] }],
    },
    Mode: { Replicated: { Replicas: 1 } },
    EndpointSpec: { Mode: 'dnsrr' },
  };
}
