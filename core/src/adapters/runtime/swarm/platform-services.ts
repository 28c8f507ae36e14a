// Specs of the swarm services Slipway runs for itself (pure functions, no Docker calls):
//  - slw-registry: Debian's docker-registry (image slipway/registry) on the manager, storage in a
//    directory of the data dir, TLS with a certificate from the platform CA, and client
//    certificates required (mutual TLS: only engines holding one issued by the platform CA — the
//    manager and provisioned nodes — can pull or push). Published on the manager's own address.
//  - slw-edge-nginx: the nginx edge (image slipway/edge), one task on every node labelled
//    slipway.edge=true, its port published in host mode (no routing mesh here), stop-first updates
//    (a host port cannot be held twice), its configuration fetched from the api with a token; with
//    a TLS port, its HTTPS port (8443 in the container) is published in host mode as well.
// Leaves out: creating them and their secrets (worker cluster service), the routing table.
import type Docker from 'dockerode';
import { LABEL_MANAGED } from '../../../naming.js';
import { LABEL_KIND } from './service-spec.js';
import { SWARM_EDGE_LAYOUT, SWARM_EDGE_TLS_PORT } from '../../edge/swarm/swarm-edge.config.js';

export const REGISTRY_SERVICE = 'slw-registry';
export const EDGE_SERVICE = 'slw-edge-nginx';
/** Node label: the node runs the edge (set on nodes added with the edge role, and on the manager). */
export const LABEL_EDGE = 'slipway.edge';
const SEC = 1_000_000_000;

type SecretRef = { id: string; name: string };
const secretFile = (s: SecretRef, file: string, uid: string) => ({ SecretID: s.id, SecretName: s.name, File: { Name: file, UID: uid, GID: uid, Mode: 0o400 } });

/** The registry's configuration file (docker-registry's config.yml). */
export function registryConfig(port: number): string {
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    '    rootdirectory: /var/lib/docker-registry',
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ":${port}"`,
    '  tls:',
    '    certificate: /run/secrets/registry.crt',
    '    key: /run/secrets/registry.key',
    '    clientcas:',
    '      - /run/secrets/ca.crt',
    '',
  ].join('\n');
}

export interface RegistryServiceInput {
  image: string;
  port: number;
  managerNodeId: string;
  /** Absolute directory on the manager (bind-mounted; owned by uid 10001). */
  storageDir: string;
  secrets: { config: SecretRef; cert: SecretRef; key: SecretRef; ca: SecretRef };
}

export function registryServiceSpec(i: RegistryServiceInput): Docker.ServiceSpec {
  const labels = { [LABEL_MANAGED]: 'true', [LABEL_KIND]: 'registry' };
  return {
    Name: REGISTRY_SERVICE,
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: i.image,
        Args: ['/run/secrets/config.yml'],
        Env: [],
        Labels: labels,
        Secrets: [
          secretFile(i.secrets.config, 'config.yml', '10001'),
          secretFile(i.secrets.cert, 'registry.crt', '10001'),
          secretFile(i.secrets.key, 'registry.key', '10001'),
          secretFile(i.secrets.ca, 'ca.crt', '10001'),
        ],
        Mounts: [{ Type: 'bind', Source: i.storageDir, Target: '/var/lib/docker-registry' }],
        StopGracePeriod: 10 * SEC,
      },
      Resources: { Limits: { NanoCPUs: SEC, MemoryBytes: 512 * 1024 * 1024 }, Reservations: { NanoCPUs: 0, MemoryBytes: 0 } },
      RestartPolicy: { Condition: 'any', Delay: 2 * SEC, MaxAttempts: 0, Window: 0 },
      Networks: [],
      Placement: { Constraints: [`node.id==${i.managerNodeId}`] },
    },
    Mode: { Replicated: { Replicas: 1 } },
    UpdateConfig: { Parallelism: 1, Delay: 0, FailureAction: 'pause', Monitor: 5 * SEC, MaxFailureRatio: 0, Order: 'stop-first' },
    EndpointSpec: { Mode: 'dnsrr', Ports: [{ Protocol: 'tcp', TargetPort: i.port, PublishedPort: i.port, PublishMode: 'host' }] },
  };
}

export interface EdgeServiceInput {
  image: string;
  /** Host port on every edge node. */
  port: number;
  /** Host HTTPS port on every edge node (config.edge.tlsPort; null: none). */
  tlsPort?: number | null;
  /** Where edge tasks fetch their nginx.conf (the api, as tasks reach it). */
  configUrl: string;
  token: SecretRef;
  /** Overlay networks to join (the organizations' networks; kept when the service is updated). */
  networks: string[];
}

export function edgeServiceSpec(i: EdgeServiceInput): Docker.ServiceSpec {
  const labels = { [LABEL_MANAGED]: 'true', [LABEL_KIND]: 'edge' };
  return {
    Name: EDGE_SERVICE,
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: i.image,
        Env: [`SLIPWAY_EDGE_CONFIG_URL=${i.configUrl}`, 'SLIPWAY_EDGE_POLL_SECONDS=2'],
        Labels: labels,
        Secrets: [secretFile(i.token, 'slipway-edge-token', '10000')],
        StopGracePeriod: 15 * SEC,
        StopSignal: 'SIGTERM',
      },
      Resources: { Limits: { NanoCPUs: 2 * SEC, MemoryBytes: 512 * 1024 * 1024 }, Reservations: { NanoCPUs: 0, MemoryBytes: 0 } },
      RestartPolicy: { Condition: 'any', Delay: 2 * SEC, MaxAttempts: 0, Window: 0 },
      Networks: i.networks.map((n) => ({ Target: n })),
      Placement: { Constraints: [`node.labels.${LABEL_EDGE}==true`] },
    },
    Mode: { Global: {} },
    UpdateConfig: { Parallelism: 1, Delay: 2 * SEC, FailureAction: 'continue', Monitor: 5 * SEC, MaxFailureRatio: 0, Order: 'stop-first' },
    EndpointSpec: {
      Mode: 'dnsrr',
      Ports: [
        { Protocol: 'tcp', TargetPort: SWARM_EDGE_LAYOUT.port, PublishedPort: i.port, PublishMode: 'host' },
        ...(i.tlsPort ? [{ Protocol: 'tcp' as const, TargetPort: SWARM_EDGE_TLS_PORT, PublishedPort: i.tlsPort, PublishMode: 'host' as const }] : []),
      ],
    },
  };
}
