// One-off dynos with the real Heroku CLI: `heroku run` prints the command's output and exits with
// its status, `heroku run bash` is an interactive shell in a pseudo-terminal (support/terminal.ts
// types at its prompt), `run:detached` writes its output to the log as run.N; one-offs show in
// `heroku ps`, can be stopped, and are billed by time (formation events of type run.N). They run
// from the app's release with its config, in the app's directory (/app), like its other dynos.
import { describe, expect, it, beforeAll } from 'vitest';
import pg from 'pg';
import { Heroku, ok, stackInfo } from './support/cli.js';
import { deploy, logLines, waitForDynos } from './support/apps.js';
import { inTerminal } from './support/terminal.js';
import { eventually, report } from '../support/wait.js';

const APP = 'cli-run';
const alice = () => Heroku.as('alice');

beforeAll(async () => {
  await deploy(stackInfo().users.alice, APP);
  ok(await alice().run(['config:set', 'SECRET_WORD=swordfish', '-a', APP]));
});

describe('heroku run', () => {
  it('prints the output and exits with the command\'s status', async () => {
    const t0 = Date.now();
    const r = await alice().run(['run', 'echo hi; exit 3', '-a', APP]);
    const runMs = Date.now() - t0;
    const t1 = Date.now();
    ok(await alice().run(['version']));
    report('heroku-cli: `heroku run \'echo hi; exit 3\'` start to exit (the CLI\'s own start-up alone)', `${(runMs / 1000).toFixed(1)} s (${((Date.now() - t1) / 1000).toFixed(1)} s)`);
    expect(r.stdout.split('\n')).toContain('hi');
    expect(r.output).toContain('Process exited with code 3');
    expect(r.code).toBe(3);
    const good = await alice().run(['run', '-a', APP, '--', 'echo $SECRET_WORD in $PWD as $DYNO']);
    expect(good.stdout).toMatch(/swordfish in \S+ as run\.\d+/);
    expect(good.code).toBe(0);
    // -e adds variables for this dyno only; a --size that is no plan is refused (run:detached below picks one)
    const extra = await alice().run(['run', '-e', 'EXTRA=from-flag', '-a', APP, '--', 'echo extra=$EXTRA']);
    expect(extra.stdout.split('\n')).toContain('extra=from-flag');
    expect(extra.code, extra.output).toBe(0);
    const badSize = await alice().run(['run', '--size', 'Performance-XL', '-a', APP, '--', 'true']);
    expect(badSize.code).not.toBe(0);
    expect(badSize.output).toContain('Size "Performance-XL" is not a plan of this Slipway');
  });

  it('gives an interactive shell in a terminal: ls, then exit', async () => {
    const s = stackInfo();
    const r = await inTerminal(process.execPath, [s.bin, 'run', 'bash', '-a', APP], alice().env, [
      { expect: /\$ $/m, send: 'ls\r' },
      { expect: /Procfile[\s\S]*\$ $/m, send: 'echo "tty: $(tty)"\r' },
      { expect: /tty: \/dev\/pts\/\d+[\s\S]*\$ $/m, send: 'exit\r' },
    ]);
    expect(r.stepsDone, r.output).toBe(3);
    expect(r.output).toMatch(/Procfile\s+public\s+worker\.py/);
    expect(r.code, r.output).toBe(0);
  });

  it('runs detached, shows in ps while it runs, writes its output to the log, and can be stopped', async () => {
    const detached = ok(await alice().run(['run:detached', '--size', 'standard', 'for i in 1 2 3; do echo tick $i; sleep 1; done; sleep 600', '-a', APP]));
    const name = /done, (run\.\d+)/.exec(detached.output)?.[1];
    expect(name, detached.output).toBeTruthy();
    expect(detached.stdout).toContain(`Run heroku logs --app ${APP} --dyno ${name} to view the output.`);
    await waitForDynos(s().users.alice, APP, (d) => d.some((x) => x.name === name && x.state === 'up'));
    const ps = ok(await alice().run(['ps', '-a', APP])).stdout;
    expect(ps).toMatch(/=== run: one-off processes \(1\)/);
    expect(ps).toContain(`${name} (standard): up`);
    await eventually(async () => expect((await logLines(s().users.alice, APP, name)).join('\n')).toMatch(/app\[run\.\d+\]: tick 3/), 30_000, 500);
    const backlog = ok(await alice().run(['logs', '--dyno', name!, '-a', APP])).stdout;
    for (const i of [1, 2, 3]) expect(backlog).toMatch(new RegExp(`app\\[run\\.\\d+\\]: tick ${i}\n`));
    expect(backlog).toMatch(/heroku\[run\.\d+\]: State changed from starting to up/);
    expect(ok(await alice().run(['ps:stop', name!, '-a', APP])).output).toContain(`Stopping dyno ${name} on ${APP}... done`);
    await waitForDynos(s().users.alice, APP, (d) => !d.some((x) => x.name === name));
    await eventually(async () => expect((await logLines(s().users.alice, APP, name)).join('\n')).toContain('State changed from up to complete'), 30_000, 500);
    const logs = ok(await alice().run(['logs', '--dyno', name!, '-a', APP])).stdout;
    expect(logs).toMatch(new RegExp(`heroku\\[${name!.replace('.', '\\.')}\\]: State changed from up to complete`));

    // billed like any dyno: a formation event with quantity 1 when it started, 0 when it ended
    const db = new pg.Client({ connectionString: s().dbUrl });
    await db.connect();
    try {
      const { rows } = await db.query(`SELECT quantity FROM formation_events WHERE app_name = $1 AND type = $2 ORDER BY id`, [APP, name]);
      expect(rows.map((r) => r.quantity)).toEqual([1, 0]);
    } finally {
      await db.end();
    }
  });

  it('refuses a viewer, and an app without a release', async () => {
    const viewer = await Heroku.as('alice').run(['apps:create', 'cli-run-team', '--team', 'acme']);
    ok(viewer);
    const denied = await Heroku.as('vic').run(['run', 'true', '-a', APP]);
    expect(denied.code).not.toBe(0);
    expect(denied.output).toContain("Couldn't find that app."); // vic is not in alice's personal team
    const noRelease = await Heroku.as('vic').run(['run', 'true', '-a', 'cli-run-team']);
    expect(noRelease.code).not.toBe(0);
    expect(noRelease.output).toContain('Your role (viewer) does not allow you to run one-off dynos');
    const empty = await alice().run(['run', 'true', '-a', 'cli-run-team']);
    expect(empty.code).not.toBe(0);
    expect(empty.output).toContain('cli-run-team has no release to run yet: push code first.');
  });
});

const s = () => stackInfo();
