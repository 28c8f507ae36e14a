// The Runtime contract suite against LocalRuntime: real processes, real nginx, real Redis.
import { appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runtimeContract } from '../../../ports/runtime.contract.js';
import { testRedisUrl } from '../../../testing/test-env.js';
import { startLocalRig } from './local.testing.js';

runtimeContract('LocalRuntime', async () => {
  const rig = await startLocalRig({ scratch: process.env.SLIPWAY_TEST_SCRATCH ?? os.tmpdir(), redisUrl: testRedisUrl() });
  const out = process.env.SLIPWAY_TEST_OUTPUT;
  const report = (line: string) => {
    process.stderr.write(`[figure] ${line}\n`);
    if (out) appendFileSync(path.join(out, 'figures.txt'), `${line}\n`);
  };
  return { harness: { ...rig.harness, report }, teardown: () => rig.teardown() };
});
