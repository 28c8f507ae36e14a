// The Runtime contract suite (core/src/ports/runtime.contract.ts) run against SwarmRuntime on a real
// one-node swarm. Stand-ins, named here: the edge is the Traefik emulator of support/edge-emulator.ts
// (routing from the real Traefik labels, forwarding inside the swarm), and the "log store" reads
// Docker's service logs through SwarmRuntime.logs() (the swarm runtime keeps no logs of its own).
import { SwarmRuntime } from '@slipway/core/adapters/runtime/swarm/swarm.runtime';
import { SwarmNetworks } from '@slipway/core/adapters/runtime/swarm/swarm.networks';
import { MAINTENANCE_SERVICE } from '@slipway/core/adapters/edge/traefik/traefik.labels';
import type { LogLine, LogStore } from '@slipway/core/ports/log-store.port';
import { runtimeContract } from '@slipway/core/ports/runtime.contract';
import { startTestRendezvous } from '@slipway/core/adapters/rendezvous/rendezvous.testing';
import { freePort } from '@slipway/core/testing/free-port';
import { docker, env, gatewayAddress, logger, makeSlug, startSlugServer } from './support/swarm-fixture.js';
import { startEdgeEmulator } from './support/edge-emulator.js';

// The zero-downtime test was skipped here while, in about half the whole-suite runs, both request
// loops stalled 20 s on the Traefik stand-in during its start-first update (never in this tier
// alone). The cause was not found. What changed since: the swarm tier's engine used to be left to a
// bare SIGTERM at the end of every whole-suite run (the cluster tier re-sourced docker.sh), leaving
// its bridges, iptables chains and namespace mount to the next run; that is mended (docker.sh,
// December), and four clean-clone whole-suite runs since passed it (1,515, 1,495, 1,252 and 1,712
// requests, all 200). Should it stall again, the stand-in prints its slow requests and task history
// at teardown.
runtimeContract('swarm', async () => {
  const d = docker();
  const slugs = await startSlugServer(d);
  const edge = await startEdgeEmulator(d, env('SLIPWAY_STACK_IMAGE'), await freePort());
  // attached one-offs: containers reach the listener on the swarm's gateway, as they reach the api
  const rendezvous = await startTestRendezvous(env('SLIPWAY_TEST_SCRATCH'), await gatewayAddress(d));
  const bootTimeoutMs = 3000;
  const runtime = new SwarmRuntime({
    docker: d,
    stackImage: env('SLIPWAY_STACK_IMAGE'),
    slugUrl: (s) => slugs.store.fetchUrl((s.artifact as { objectKey: string }).objectKey, 3600),
    attachableNetworks: true,
    certResolver: 'letsencrypt',
    edgeService: edge.serviceName,
    logger,
    timings: {
      healthIntervalMs: 500, healthTimeoutMs: 2000, healthRetries: 2, healthStartPeriodMs: bootTimeoutMs,
      monitorMs: 2000, restartDelayMs: 300, restartMaxAttempts: 10, restartWindowMs: 60_000, stopGraceMs: 5000, drainSeconds: 1,
    },
    // the suite keeps every app it made until the end: reserve no CPU, or 2 cores fill up
    cpuReservationRatio: 0,
    convergeTimeoutMs: 90_000,
    pollMs: 250,
  });
  // The emulator joins the suite's organization network ("org1", runtime.contract.ts) before the
  // first test: a network change replaces its one task (stop-first, a host port), and a test's
  // request loop that met that restart would count the emulator's gap as the runtime's.
  await new SwarmNetworks({ api: runtime.api, edgeServices: [edge.serviceName], attachableNetworks: true, stackImage: env('SLIPWAY_STACK_IMAGE'), logger, pollMs: 250 }).ensureOrgNetwork('org1');
  const logs: LogStore = {
    async append() {},
    async remove() {},
    async *read(appId, q): AsyncIterable<LogLine> {
      yield* runtime.logs(appId, { lines: q.lines, follow: q.tail, dyno: q.dyno, source: q.source, signal: q.signal });
    },
  };
  return {
    harness: {
      runtime,
      logs,
      domain: 'apps.swarm.test',
      bootTimeoutMs,
      artifact: (files) => makeSlug(slugs.store, 'contract', files),
      get: (host, p) => edge.get(host, p),
      report: (line) => console.log(line),
      rendezvous,
    },
    async teardown() {
      // what the stand-in itself saw of requests that took long (for a stall's post-mortem)
      for (const l of await edge.slowRequests()) console.log(`edge stand-in: ${l}`);
      for (const l of await edge.tasks()) console.log(`edge stand-in: ${l}`);
      await rendezvous.close();
      await edge.close();
      await d.getService(MAINTENANCE_SERVICE).remove().catch(() => undefined);
      await slugs.close();
    },
  };
});
