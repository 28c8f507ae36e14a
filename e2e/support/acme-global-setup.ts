// vitest globalSetup of the e2e and browser tiers: one DNS server for the test zone and one Pebble
// for the whole tier run (see acme-env.ts), stopped when the tier ends.
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { reservedRangePort, startPebble, startTestDns } from './acme-env.js';

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
   
  const scratch = process.env.SLIPWAY_TEST_SCRATCH ?? os.tmpdir();
  const dir = await mkdtemp(path.join(scratch, 'acme-'));
  const zoneDir = path.join(dir, 'zone');
  const dns = await startTestDns(zoneDir);
  const edgePort = await reservedRangePort();
  const pebble = await startPebble({ dir: path.join(dir, 'pebble'), dnsPort: dns.port, httpPort: edgePort });
  project.provide('acme', { ...pebble.env, dnsResolver: `127.0.0.1:${dns.port}`, zoneDir, edgePort });
  return async () => {
    await pebble.stop();
    await dns.close();
  };
}
