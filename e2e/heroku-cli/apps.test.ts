// Apps, teams and the account with the real Heroku CLI: create (named, generated, in a team),
// list, info, rename, open, destroy; teams, members, access; regions, stacks, labs, features,
// add-ons, keys; and the ways they fail (unknown app, someone else's app, unknown endpoint).
import { mkdtemp, readFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Heroku, ok, stackInfo } from './support/cli.js';

const alice = () => Heroku.as('alice');

describe('heroku apps', () => {
  it('creates apps with and without a name, lists them and shows one', async () => {
    const named = ok(await alice().run(['apps:create', 'cli-apps']));
    expect(named.output).toContain('Creating cli-apps... done');
    expect(named.stdout).toMatch(/http:\/\/cli-apps\.localhost:\d+\/ \| https:\/\/127\.0\.0\.1:\d+\/cli-apps\.git/);
    const generated = ok(await alice().run(['apps:create']));
    const name = /Creating app\.\.\. done, ([a-z]+-[a-z]+-\d+)/.exec(generated.output)?.[1];
    expect(name, generated.output).toBeTruthy();

    const list = ok(await alice().run(['apps']));
    expect(list.stdout).toContain('=== alice@example.com Apps');
    expect(list.stdout).toContain('cli-apps (local)');
    expect(list.stdout).toContain(`${name} (local)`);

    const info = ok(await alice().run(['apps:info', '-a', 'cli-apps']));
    expect(info.stdout).toContain('=== cli-apps');
    expect(info.stdout).toMatch(/Owner:\s+alice@example\.com/);
    expect(info.stdout).toMatch(/Region:\s+local/);
    expect(info.stdout).toMatch(/Stack:\s+slipway-1/);
    expect(info.stdout).toMatch(/Web URL:\s+http:\/\/cli-apps\.localhost:\d+\//);
    const shell = ok(await alice().run(['apps:info', '-a', 'cli-apps', '--shell']));
    expect(shell.stdout).toContain('owner=alice@example.com');

    const open = ok(await alice().run(['apps:open', '-a', 'cli-apps'], { env: { BROWSER: '/bin/true' } }));
    expect(open.stdout).toMatch(/Opening http:\/\/cli-apps\.localhost:\d+\/\.\.\./);
  });

  it('renames an app (and the git remote pointing at it) and destroys it', async () => {
    ok(await alice().run(['apps:create', 'cli-old']));
    const dir = await mkdtemp(path.join(stackInfo().scratch, 'rename-'));
    execFileSync('git', ['init', '-q', dir]);
    ok(await alice().run(['git:remote', '-a', 'cli-old'], { cwd: dir }));
    const renamed = ok(await alice().run(['apps:rename', 'cli-new', '-a', 'cli-old'], { cwd: dir }));
    expect(renamed.output).toContain('Renaming cli-old to cli-new... done');
    expect(renamed.output).toContain('Git remote heroku updated');
    expect(await readFile(path.join(dir, '.git', 'config'), 'utf8')).toMatch(/url = https:\/\/127\.0\.0\.1:\d+\/cli-new\.git/);
    const gone = await alice().run(['apps:info', '-a', 'cli-old']);
    expect(gone.code).not.toBe(0);
    expect(gone.output).toContain("Couldn't find that app.");

    const destroyed = ok(await alice().run(['apps:destroy', 'cli-new', '--confirm', 'cli-new']));
    expect(destroyed.output).toContain('Destroying cli-new (including all add-ons)... done');
    expect((await alice().run(['apps:info', '-a', 'cli-new'])).code).not.toBe(0);
  });

  it('answers unknown apps, other people\'s apps and unknown endpoints in Heroku\'s error shape', async () => {
    const unknown = await alice().run(['apps:info', '-a', 'no-such-app']);
    expect(unknown.code).not.toBe(0);
    expect(unknown.output).toContain("Couldn't find that app.");
    expect(unknown.output).toContain('Error ID: not_found');
    ok(await alice().run(['apps:create', 'cli-private']));
    // carol is in none of alice's teams: alice's app does not exist for her
    const foreign = await Heroku.as('carol').run(['ps', '-a', 'cli-private']);
    expect(foreign.code).not.toBe(0);
    expect(foreign.output).toContain("Couldn't find that app.");
    const res = await fetch(`${stackInfo().apiUrl}/apps/cli-private/pipelines-of-the-future`, {
      headers: { accept: 'application/vnd.heroku+json; version=3', authorization: `Bearer ${stackInfo().users.alice.token}` },
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ id: 'not_found', message: 'The requested API endpoint was not found.' });
    const region = await alice().run(['apps:create', 'cli-eu', '--region', 'eu']);
    expect(region.code).not.toBe(0);
    expect(region.output).toContain('Unknown region "eu"');
  });
});

describe('heroku teams, access and the account', () => {
  it('lists teams, creates and lists a team\'s apps, shows and changes access', async () => {
    const teams = ok(await alice().run(['teams']));
    expect(teams.stdout).toMatch(/acme\s+owner/);
    expect(ok(await alice().run(['orgs'])).stdout).toMatch(/acme\s+owner/);
    ok(await alice().run(['apps:create', 'cli-team-app', '--team', 'acme']));
    expect(ok(await alice().run(['apps', '--team', 'acme'])).stdout).toContain('=== Apps in team acme');

    const members = ok(await alice().run(['members', '--team', 'acme']));
    expect(members.stdout).toMatch(/bob@example\.com\s+member/);
    expect(members.stdout).toMatch(/vic@example\.com\s+viewer/);
    const access = ok(await alice().run(['access', '-a', 'cli-team-app']));
    expect(access.stdout).toMatch(/bob@example\.com\s+member\s+deploy, operate, view/);
    // bob sees the team's app; carol is added as a collaborator (a member of acme), then removed
    expect(ok(await Heroku.as('bob').run(['apps:info', '-a', 'cli-team-app'])).stdout).toContain('=== cli-team-app');
    expect(ok(await alice().run(['access:add', 'carol@example.com', '-a', 'cli-team-app'])).output).toContain('Adding carol@example.com access to the app cli-team-app... done');
    expect(ok(await Heroku.as('carol').run(['apps:info', '-a', 'cli-team-app'])).stdout).toContain('=== cli-team-app');
    ok(await alice().run(['access:remove', 'carol@example.com', '-a', 'cli-team-app']));
    expect((await Heroku.as('carol').run(['apps:info', '-a', 'cli-team-app'])).code).not.toBe(0);
    // a member may not grant access (that takes an admin)
    const denied = await Heroku.as('bob').run(['access:add', 'carol@example.com', '-a', 'cli-team-app']);
    expect(denied.code).not.toBe(0);
    expect(denied.output).toContain('Error ID: forbidden');
  });

  it('shows regions, stacks, labs, features, add-ons and keys', async () => {
    const a = alice();
    const [regions, stack, labs, features, addons] = await Promise.all([
      a.run(['regions']), a.run(['apps:stacks', '-a', 'cli-apps']), a.run(['labs']), a.run(['features', '-a', 'cli-apps']), a.run(['addons', '-a', 'cli-apps']),
    ]);
    expect(ok(regions).stdout).toMatch(/local\s+.+\s+Common Runtime/);
    expect(ok(stack).stdout).toContain('* slipway-1');
    expect(ok(labs).stdout).toContain('=== User Features alice@example.com');
    expect(ok(features).stdout).toContain('=== App Features cli-apps');
    expect(ok(addons).stdout).toContain('No add-ons for app cli-apps.');
    expect(ok(await a.run(['addons'])).stdout).toContain('No add-ons.');

    const dir = await mkdtemp(path.join(stackInfo().scratch, 'keys-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'alice@laptop', '-f', path.join(dir, 'id_ed25519')]);
    expect(ok(await a.run(['keys:add', path.join(dir, 'id_ed25519.pub')])).output).toContain('SSH key... done');
    const keys = ok(await a.run(['keys']));
    expect(keys.stdout).toContain('=== alice@example.com keys');
    expect(keys.stdout).toMatch(/ssh-ed25519 \S{10}\.\.\.\S{10} alice@laptop/);
    ok(await a.run(['keys:remove', 'alice@laptop']));
    expect((await a.run(['keys'])).output).toContain('You have no SSH keys.');
  });
});
