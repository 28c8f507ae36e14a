// app.json on the first push, seen with the real Heroku CLI: a generated secret and a default
// value become config vars, formation.worker.quantity starts the worker, the postdeploy script
// runs once as a one-off dyno with its output in the push; the Procfile declares no web, so the
// static buildpack's default web is there at 0. Later pushes leave all that alone; an invalid
// app.json fails the push naming the field.
import { describe, expect, it } from 'vitest';
import { Heroku, ok, stackInfo } from './support/cli.js';
import { deploy, logLines, waitForDynos } from './support/apps.js';
import { eventually } from '../support/wait.js';

const APP = 'cli-appjson';
const FILES: Record<string, string> = {
  'index.html': '<h1>app.json demo</h1>\n',
  Procfile: 'worker: python3 -u worker.py\n',
  'worker.py': 'import os, time\nprint(f"worker has a secret of {len(os.environ[\'SECRET_KEY\'])} characters", flush=True)\nwhile True:\n    time.sleep(1)\n',
  'app.json': JSON.stringify({
    name: 'app.json demo',
    env: { SECRET_KEY: { description: 'signs sessions', generator: 'secret' }, GREETING: { value: 'hello from app.json' }, OPTIONAL: { required: false } },
    formation: { worker: { quantity: 1 } },
    scripts: { postdeploy: 'echo "postdeploy says $GREETING"' },
  }, null, 2),
};
const run = (...args: string[]) => Heroku.as('alice').run([...args, '-a', APP]);

describe('app.json', () => {
  it('sets up the app on the first push: secret, config, worker running, postdeploy once', async () => {
    const { wc, output } = await deploy(stackInfo().users.alice, APP, FILES);
    expect(output).toMatch(/remote: {8}app\.json: set SECRET_KEY, GREETING \(generated: SECRET_KEY\)/);
    expect(output).toMatch(/remote: -----> Running postdeploy script `echo "postdeploy says \$GREETING"` \(run\.1\)/);
    expect(output.match(/postdeploy says hello from app\.json/g)).toHaveLength(1);

    expect(ok(await run('config:get', 'SECRET_KEY')).stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(ok(await run('config:get', 'GREETING')).stdout.trim()).toBe('hello from app.json');
    expect(ok(await run('ps:scale')).stdout.trim()).toBe('web=0:hobby worker=1:hobby');
    await waitForDynos(stackInfo().users.alice, APP, (d) => d.some((x) => x.name === 'worker.1' && x.state === 'up'));
    const ps = ok(await run('ps')).stdout;
    expect(ps).toMatch(/=== worker \(hobby\): python3 -u worker\.py \(1\)\s+worker\.1: up /);
    expect(ps).not.toContain('web.1');
    await eventually(async () => expect((await logLines(stackInfo().users.alice, APP, 'worker.1')).join('\n')).toContain('worker has a secret of 64 characters'), 30_000, 500);
    expect(ok(await run('logs', '--dyno', 'run.1')).stdout).toMatch(/app\[run\.1\]: postdeploy says hello from app\.json/);

    // the next push: app.json's setup is done; the secret stays, the script does not run again
    const secret = ok(await run('config:get', 'SECRET_KEY')).stdout.trim();
    await wc.write({ 'index.html': '<h1>v2</h1>\n' });
    await wc.commit('v2');
    const again = await wc.push(`${stackInfo().apiUrl}/${APP}.git`, stackInfo().users.alice.token);
    expect(again.code, again.output).toBe(0);
    expect(again.output).not.toContain('postdeploy');
    expect(ok(await run('config:get', 'SECRET_KEY')).stdout.trim()).toBe(secret);
  });

  it('fails the push naming the field when app.json is invalid', async () => {
    const bad = { ...FILES, 'app.json': JSON.stringify({ env: { SECRET_KEY: { generator: 'uuid' } } }) };
    await expect(deploy(stackInfo().users.alice, 'cli-appjson-bad', bad)).rejects.toThrow(/remote: !\s+app\.json: env\.SECRET_KEY\.generator: must be "secret"/);
    const missing = { ...FILES, 'app.json': JSON.stringify({ env: { API_TOKEN: { description: 'from the vendor' } } }) };
    await expect(deploy(stackInfo().users.alice, 'cli-appjson-bad', missing)).rejects.toThrow(/app\.json: env\.API_TOKEN is required \(from the vendor\): set it with `heroku config:set API_TOKEN=…` and push again\./);
    expect(ok(await Heroku.as('alice').run(['releases', '-a', 'cli-appjson-bad'])).stdout).toContain('cli-appjson-bad has no releases.');
  });
});
