// bench/rollback — seconds from the rollback API call to the old version serving (no rebuild: a new
// release from the old slug). Local: polled through the nginx edge. Swarm: until the release is
// current (the worker marks it so once Swarm converged healthy), then confirmed from inside the
// app's network. ./scripts/bench rollback [--runtime swarm]
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startStack } from '../e2e/support/stack.js';
import { ApiClient } from '../e2e/support/client.js';
import { WorkingCopy } from '../e2e/support/git.js';
import { benchRuntime, runtimeArg, waitForBody } from './support.js';

const runtime = runtimeArg();
const setup = await benchRuntime(runtime);
const stack = await startStack(setup.env);
try {
  const dev = await ApiClient.signUp(stack.apiUrl, 'bench@example.com');
  const app = (await dev.post('/apps', { name: 'bench-rollback' })).body;
  const wc = await WorkingCopy.create({ fixture: 'node-app' });
  for (const version of ['v1', 'v2']) {
    await writeFile(path.join(wc.dir, 'VERSION'), `${version}\n`);
    await wc.commit(version);
    const push = await wc.push(`${stack.apiUrl}/bench-rollback.git`, dev.token!);
    if (push.code !== 0) throw new Error(`push failed:\n${push.output}`);
  }
  console.log(`rollback (${runtime} runtime)`);
  for (const [target, body] of [['1', 'v1'], ['2', 'v2'], ['1', 'v1']] as const) {
    const t0 = performance.now();
    const r = await dev.post('/apps/bench-rollback/releases', { release: target });
    if (r.status !== 201) throw new Error(`rollback failed: ${r.text}`);
    let seconds: number;
    if (runtime === 'local') {
      await waitForBody(() => setup.body(app, stack.edgePort), `hello from ${body} (deps ok)`);
      seconds = (performance.now() - t0) / 1000;
    } else {
      await waitForBody(async () => ((await dev.get(`/apps/bench-rollback/releases/${r.body.id}`)).body.current ? 'current' : ''), 'current', 300_000);
      seconds = (performance.now() - t0) / 1000;
      await waitForBody(() => setup.body(app, stack.edgePort), `hello from ${body} (deps ok)`);
    }
    console.log(`  to v${target}: ${seconds.toFixed(2)} s to the old body`);
  }
} finally {
  await stack.stop();
  await setup.close();
}
