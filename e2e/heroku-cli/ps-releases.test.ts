// A deployed app driven with the real Heroku CLI: ps (scale absolute, relative and with a size,
// type, restart by dyno and by type, stop), releases (list with Range paging, info, the release
// phase's output, rollback to a config-only release), config (set, get, unset, edit), logs
// (backlog, --dyno, --source, --tail), maintenance and buildpacks. A Procfile app (web, worker,
// release phase) keeps the builds fast.
import { chmod, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Heroku, ok, stackInfo } from './support/cli.js';
import { api, deploy, waitForDynos } from './support/apps.js';
import { eventually } from '../support/wait.js';
import { viaEdge } from '../support/git.js';

const APP = 'cli-ps';
const alice = () => Heroku.as('alice');
const run = (...args: string[]) => alice().run([...args, '-a', APP]);

beforeAll(async () => {
  await deploy(stackInfo().users.alice, APP);
});

describe('heroku ps', () => {
  it('lists the dynos and scales them as Heroku users write it', async () => {
    const up = (names: string[]) => (dynos: { name: string; state: string }[]) => names.every((n) => dynos.some((d) => d.name === n && d.state === 'up'));
    await waitForDynos(stackInfo().users.alice, APP, up(['web.1']));
    const ps = ok(await run('ps'));
    expect(ps.stdout).toContain('=== web (hobby): python3 -m http.server $PORT --bind 0.0.0.0 --directory public (1)');
    expect(ps.stdout).toMatch(/web\.1: up \d{4}\/\d\d\/\d\d/);

    expect(ok(await run('ps:scale', 'web=2')).output).toContain('Scaling dynos... done, now running web at 2:hobby');
    expect(ok(await run('ps:scale', 'worker+1')).output).toContain('Scaling dynos... done, now running worker at 1:hobby');
    expect(ok(await run('ps:scale', 'web=2:standard')).output).toContain('Scaling dynos... done, now running web at 2:standard');
    expect(ok(await run('ps:scale')).stdout.trim()).toBe('web=2:standard worker=1:hobby');
    await waitForDynos(stackInfo().users.alice, APP, (d) => up(['web.1', 'web.2', 'worker.1'])(d) && d.filter((x) => x.name.startsWith('web.')).every((x) => x.size === 'standard'));
    const out = ok(await run('ps')).stdout;
    expect(out).toContain('=== web (standard): python3 -m http.server $PORT --bind 0.0.0.0 --directory public (2)');
    expect(out).toMatch(/web\.1: up [\s\S]*web\.2: up /);
    expect(out).toMatch(/=== worker \(hobby\): python3 -u worker\.py \(1\)\s+worker\.1: up /);
  });

  it('refuses a bad quantity, a quantity over the plan and an unknown type or size', async () => {
    const over = await run('ps:scale', 'worker=3');
    expect(over.code).not.toBe(0);
    expect(over.output).toContain('Plan hobby allows at most 2 processes of each type; worker=3 exceeds it.');
    const below = await run('ps:scale', 'worker-5');
    expect(below.output).toContain('Cannot scale worker to -4: it runs 1.');
    const type = await run('ps:scale', 'clock=1');
    expect(type.output).toContain("Couldn't find that process type (clock)");
    const size = await run('ps:scale', 'web=1:Performance-L');
    expect(size.output).toContain('Size "Performance-L" is not a plan of this Slipway; sizes are: hobby, standard, pro, business.');
    for (const r of [over, below, type, size]) expect(r.code).not.toBe(0);
  });

  it('changes a type\'s size, restarts by dyno and by type, and stops a type', async () => {
    const typed = ok(await run('ps:type', 'worker=pro'));
    expect(typed.stdout).toMatch(/worker\s+pro\s+1/);
    expect(typed.stdout).toMatch(/web\s+standard\s+2/);
    expect(ok(await run('ps:restart', '--dyno-name', 'web.1')).output).toContain('Restarting dyno web.1 on cli-ps... done');
    expect(ok(await run('ps:restart', '--process-type', 'worker')).output).toContain('Restarting all worker dynos on cli-ps... done');
    expect(ok(await run('ps:stop', '--process-type', 'worker')).output).toContain('Stopping all worker dynos on cli-ps... done');
    expect(ok(await run('ps:restart')).output).toContain('Restarting all dynos on cli-ps... done');
    await waitForDynos(stackInfo().users.alice, APP, (d) => d.some((x) => x.name === 'worker.1' && x.state === 'up' && x.size === 'pro'));
    // the restarts may still be rolling through when the API first shows worker.1 up: poll the CLI
    await eventually(async () => expect(ok(await run('ps', 'worker')).stdout).toMatch(/=== worker \(pro\)[\s\S]*worker\.1: up /), 60_000, 1000);
    const missing = await run('ps', 'clock');
    expect(missing.output).toContain('No clock dynos on cli-ps');
  });
});

describe('heroku releases and config', () => {
  it('sets, reads, edits and unsets config vars, each a release', async () => {
    const set = ok(await run('config:set', 'GREETING=hello world', 'COLOR=blue'));
    expect(set.output).toMatch(/Setting GREETING, COLOR and restarting cli-ps\.\.\. done, v2/);
    expect(set.stdout).toMatch(/GREETING:\s+hello world/);
    expect(ok(await run('config:get', 'GREETING')).stdout.trim()).toBe('hello world');
    expect(ok(await run('config')).stdout).toMatch(/=== cli-ps Config Vars\s+COLOR:\s+blue\s+GREETING:\s+hello world/);
    // config:edit through $EDITOR (a script that rewrites the file), confirming the diff
    const editor = path.join(stackInfo().scratch, 'editor.sh');
    await writeFile(editor, '#!/bin/sh\nsed -i "s/^COLOR=.*/COLOR=green/" "$1"\n');
    await chmod(editor, 0o755);
    const edit = ok(await alice().run(['config:edit', '-a', APP], { env: { EDITOR: editor }, input: 'y\n' }));
    expect(edit.output).toMatch(/- COLOR=blue\s+\+ COLOR=green/);
    expect(edit.output).toContain('Updating config... done');
    expect(ok(await run('config:get', 'COLOR')).stdout.trim()).toBe('green');
    expect(ok(await run('config:unset', 'COLOR')).output).toMatch(/Unsetting COLOR and restarting cli-ps\.\.\. done, v\d+/);
    expect(ok(await run('config:get', 'COLOR')).stdout.trim()).toBe('');
  });

  it('lists releases newest first with paging, shows one with its config, and streams the release phase', async () => {
    const list = ok(await run('releases'));
    expect(list.stdout).toMatch(/=== cli-ps Releases - Current: v(\d+)/);
    expect(list.stdout).toMatch(/v1\s+Deploy [0-9a-f]{7}\s+alice@example\.com/);
    expect(list.stdout).toMatch(/v2\s+Set GREETING, COLOR config vars\s+alice@example\.com/);
    // --num asks for one page: Range "version ..; max=2, order=desc"
    const two = ok(await run('releases', '--num', '2')).stdout;
    expect(two.match(/^\s+v\d+ /gm)).toHaveLength(2);
    expect(two).not.toMatch(/^\s+v1 /m);

    const info = ok(await run('releases:info', 'v2'));
    expect(info.stdout).toContain('=== Release v2');
    expect(info.stdout).toMatch(/Change:\s+Set GREETING, COLOR config vars/);
    expect(info.stdout).toMatch(/Eligible for Rollback\?:\s+Yes/);
    expect(info.stdout).toMatch(/=== v2 Config vars\s+COLOR:\s+blue\s+GREETING:\s+hello world/);
    const output = ok(await run('releases:output', 'v1'));
    expect(output.stdout).toContain('release phase for release.1');
  });

  it('rolls back to a config-only release, bringing back its config on the same code', async () => {
    const before = await api(stackInfo().users.alice).get(`/apps/${APP}/releases`, { range: 'version ..; max=1, order=desc' });
    const latest = before.body[0].version as number;
    const rollback = ok(await run('releases:rollback', 'v2'));
    expect(rollback.output).toContain(`Rolling back cli-ps to v2... done, v${latest + 1}`);
    expect(rollback.output).toContain(`To undo, run: heroku rollback v${latest}`);
    expect(ok(await run('config:get', 'COLOR')).stdout.trim()).toBe('blue');
    await eventually(async () => expect((await api(stackInfo().users.alice).get(`/apps/${APP}/releases/${latest + 1}`)).body.current).toBe(true), 60_000, 500);
    expect(ok(await run('releases', '--num', '1')).stdout).toMatch(new RegExp(`Current: v${latest + 1}[\\s\\S]*Rollback to v2`));
    const bad = await run('releases:rollback', 'v99');
    expect(bad.code).not.toBe(0);
    expect(bad.output).toContain("Couldn't find that release.");
  });
});

describe('heroku logs, maintenance and buildpacks', () => {
  it('shows the log backlog, one dyno, one source, and follows it with --tail', async () => {
    const worker = ok(await run('logs', '--dyno', 'worker.1', '-n', '5')).stdout.trim().split('\n');
    expect(worker.length).toBeGreaterThan(0);
    for (const line of worker) expect(line).toMatch(/^\S+ (app|heroku)\[worker\.1\]: /);
    const platform = ok(await run('logs', '--source', 'heroku', '-n', '50')).stdout.trim().split('\n');
    expect(platform.some((l) => /heroku\[web\.1\]: State changed from starting to up/.test(l))).toBe(true);
    for (const line of platform) expect(line).toMatch(/^\S+ heroku\[[^\]]+\]: /);
    // --tail keeps the stream open: new worker ticks arrive while it runs
    const tail = await alice().run(['logs', '--tail', '--dyno', 'worker.1', '-n', '1', '-a', APP], { timeoutMs: 8_000 });
    expect(tail.stdout.match(/worker tick \d+/g)?.length ?? 0).toBeGreaterThan(3);
  });

  it('turns maintenance mode on and off', async () => {
    expect(ok(await run('maintenance:on')).output).toContain('Enabling maintenance mode for cli-ps... done');
    expect(ok(await run('maintenance')).stdout.trim()).toBe('on');
    await eventually(async () => expect((await viaEdge(stackInfo().edgePort, 'cli-ps.localhost')).status).toBe(503), 30_000, 500);
    expect(ok(await run('maintenance:off')).output).toContain('Disabling maintenance mode for cli-ps... done');
    expect(ok(await run('maintenance')).stdout.trim()).toBe('off');
    await eventually(async () => expect((await viaEdge(stackInfo().edgePort, 'cli-ps.localhost')).body).toContain('hello from the cli tier'), 30_000, 500);
  });

  it('sets, adds, removes and clears buildpacks by registry name and URL', async () => {
    expect(ok(await run('buildpacks')).stdout).toContain('cli-ps has no Buildpacks.');
    expect(ok(await run('buildpacks:set', 'heroku/python')).stdout).toContain('Buildpack set. Next release on cli-ps will use heroku/python.');
    ok(await run('buildpacks:add', 'https://example.com/buildpacks/extra.git'));
    expect(ok(await run('buildpacks')).stdout).toMatch(/1\. heroku\/python\s+2\. https:\/\/example\.com\/buildpacks\/extra\.git/);
    ok(await run('buildpacks:remove', 'https://example.com/buildpacks/extra.git'));
    expect(ok(await run('buildpacks:clear')).stdout).toContain('Buildpacks cleared. Next release on cli-ps will detect buildpacks normally.');
    const unknown = await run('buildpacks:set', 'someone/unknown');
    expect(unknown.code).not.toBe(0);
  });
});
