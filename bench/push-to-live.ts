// bench/push-to-live — seconds from `git push` to the new body served, for a Node app with an npm
// dependency: cold (new app, empty build cache) then warm pushes, with the build's breakdown by
// stage. Local: the body is polled through the nginx edge. Swarm: the push returns once Swarm has
// the new tasks running and healthy; the body is then confirmed from inside the app's network.
// ./scripts/bench push-to-live [--runtime swarm]
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
  const app = (await dev.post('/apps', { name: 'bench-push', plan: 'standard' })).body;
  const wc = await WorkingCopy.create({ fixture: 'node-app' });
  console.log(`push-to-live (${runtime} runtime)`);
  for (const [label, version] of [['cold', 'v1'], ['warm', 'v2'], ['warm', 'v3']] as const) {
    await writeFile(path.join(wc.dir, 'VERSION'), `${version}\n`);
    await wc.commit(version);
    const t0 = performance.now();
    const push = await wc.push(`${stack.apiUrl}/bench-push.git`, dev.token!);
    if (push.code !== 0) throw new Error(`push failed:\n${push.output}`);
    const pushed = performance.now();
    await waitForBody(() => setup.body(app, stack.edgePort), `hello from ${version} (deps ok)`);
    const seconds = ((runtime === 'local' ? performance.now() : pushed) - t0) / 1000;
    const build = (await dev.get('/apps/bench-push/builds')).body[0];
    const stages = Object.entries(build.stages as Record<string, number>).map(([k, v]) => `${k} ${v.toFixed(1)}s`).join(', ');
    console.log(`  ${label.padEnd(5)} ${seconds.toFixed(1).padStart(5)} s   (${stages})`);
  }
} finally {
  await stack.stop();
  await setup.close();
}
