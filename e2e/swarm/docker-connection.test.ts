// What the admin console shows about the Docker connection, against the engine scripts/test started.
import { expect, it } from 'vitest';
import { createDockerClient, dockerConnectionInfo } from '@slipway/core/adapters/docker/docker.client';
import { env } from './support/swarm-fixture.js';

it('reports engine version, swarm state and the nodes', async () => {
  const host = env('SLIPWAY_DOCKER_HOST');
  const info = await dockerConnectionInfo(createDockerClient({ host }), host);
  expect(info).toMatchObject({ reachable: true, host, swarm: { state: 'active', isManager: true } });
  expect(info.engineVersion).toMatch(/^\d+\.\d+/);
  expect(info.apiVersion).toMatch(/^1\.\d+$/);
  expect(info.nodes).toEqual([expect.objectContaining({ role: 'manager', state: 'ready', availability: 'active', leader: true })]);
});
