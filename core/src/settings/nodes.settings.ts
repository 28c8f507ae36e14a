// Settings of the cluster (issue 11): node health checks, what provisioning requires of a node,
// and which edge serves apps on the swarm.
import { z } from 'zod';
import { defineSetting } from './setting.js';

export const nodeHeartbeatSeconds = defineSetting<number>({
  key: 'node_heartbeat_seconds',
  group: 'nodes',
  description: 'How often the worker checks every node (swarm state, CPU, memory, disk); a node that misses two checks is down.',
  schema: z.number({ error: 'node_heartbeat_seconds must be a number' }).int('node_heartbeat_seconds must be a whole number').min(5, 'node_heartbeat_seconds must be from 5 to 3600').max(3600, 'node_heartbeat_seconds must be from 5 to 3600'),
  default: () => 30,
});

export const nodeMinMemoryMb = defineSetting<number>({
  key: 'node_min_memory_mb',
  group: 'nodes',
  description: 'Provisioning refuses a node with less memory than this (MiB).',
  schema: z.number({ error: 'node_min_memory_mb must be a number' }).int().min(128, 'node_min_memory_mb must be at least 128').max(1_048_576),
  default: () => 1024,
});

export const nodeMinDiskGb = defineSetting<number>({
  key: 'node_min_disk_gb',
  group: 'nodes',
  description: 'Provisioning refuses a node with less free disk than this under /var/lib (GiB).',
  schema: z.number({ error: 'node_min_disk_gb must be a number' }).int().min(1, 'node_min_disk_gb must be at least 1').max(1_000_000),
  default: () => 5,
});

export const swarmEdge = defineSetting<'nginx' | 'traefik'>({
  key: 'swarm_edge',
  group: 'edge',
  description: 'Which edge serves apps on the swarm: "nginx" (Slipway runs its own edge service on nodes labelled edge) or "traefik" (an operator-run Traefik reads the services\' labels).',
  schema: z.enum(['nginx', 'traefik'], { error: 'swarm_edge must be "nginx" or "traefik"' }),
  default: (config) => config.cluster.edge,
});

export const edgeOnManager = defineSetting<boolean>({
  key: 'edge_on_manager',
  group: 'edge',
  description: 'The swarm manager also runs the nginx edge (as if labelled edge), so a one-machine swarm serves apps.',
  schema: z.boolean({ error: 'edge_on_manager must be true or false' }),
  default: () => true,
});
