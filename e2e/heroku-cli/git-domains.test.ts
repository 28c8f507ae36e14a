// git and domains with the real Heroku CLI over the api's HTTPS port: `heroku git:remote` then
// `git push heroku main` (the CLI is git's credential helper, the platform CA is trusted),
// `git:clone`; custom domains added, listed, shown, removed and cleared, and waited for with
// `domains:wait` while DNS (the tier's test DNS server) verifies one; an app's own certificate
// added with `certs:add` (its domain chosen at the CLI's prompt), listed and shown.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Heroku, ok, runProcess, stackInfo } from './support/cli.js';
import { api, PROCFILE_APP } from './support/apps.js';
import { inTerminal } from './support/terminal.js';
import { viaEdge } from '../support/git.js';
import { eventually } from '../support/wait.js';
import { setRecords, type AcmeEnv } from '../support/acme-env.js';

const APP = 'cli-git';
const alice = () => Heroku.as('alice');
const git = (cwd: string, args: string[]) => runProcess('git', args, { cwd, env: alice().env, timeoutMs: 300_000 });

describe('heroku git', () => {
  it('sets the remote with git:remote, deploys with git push heroku main over HTTPS, and clones with git:clone', async () => {
    ok(await alice().run(['apps:create', APP]));
    const dir = await mkdtemp(path.join(stackInfo().scratch, 'git-'));
    for (const [name, text] of Object.entries(PROCFILE_APP)) {
      execFileSync('mkdir', ['-p', path.dirname(path.join(dir, name))]);
      await writeFile(path.join(dir, name), text);
    }
    ok(await git(dir, ['init', '-q', '-b', 'main']));
    ok(await git(dir, ['add', '-A']));
    ok(await git(dir, ['commit', '-q', '-m', 'first']));
    const remote = ok(await alice().run(['git:remote', '-a', APP], { cwd: dir }));
    expect(remote.stdout).toMatch(new RegExp(`set git remote heroku to ${stackInfo().httpsUrl}/${APP}\\.git`));

    const push = await git(dir, ['push', 'heroku', 'main']);
    expect(push.output).toContain('remote: -----> Launching');
    expect(push.output).toMatch(new RegExp(`To ${stackInfo().httpsUrl}/${APP}\\.git\\s+\\* \\[new branch\\]\\s+main -> main`));
    expect(push.code, push.output).toBe(0);
    await eventually(async () => expect((await viaEdge(stackInfo().edgePort, `${APP}.localhost`)).body).toContain('hello from the cli tier'), 60_000, 500);

    const clones = await mkdtemp(path.join(stackInfo().scratch, 'clones-'));
    const clone = await alice().run(['git:clone', '-a', APP, 'copy'], { cwd: clones });
    expect(clone.output).toContain("Cloning into 'copy'...");
    expect(clone.code, clone.output).toBe(0);
    expect((await readdir(path.join(clones, 'copy'))).sort()).toEqual(['.git', 'Procfile', 'public', 'worker.py']);
    expect((await git(path.join(clones, 'copy'), ['remote', '-v'])).stdout).toContain(`heroku\t${stackInfo().httpsUrl}/${APP}.git (fetch)`);
  });
});

describe('heroku domains and certs', () => {
  it('adds, lists, shows, removes and clears custom domains', async () => {
    const added = ok(await alice().run(['domains:add', 'www.cli-git.test', '-a', APP]));
    expect(added.stdout).toContain(`Configure your app's DNS provider to point to the DNS Target ${APP}.localhost.`);
    expect(added.stdout).toContain('The domain www.cli-git.test has been enqueued for addition');
    ok(await alice().run(['domains:add', 'api.cli-git.test', '-a', APP]));
    const list = ok(await alice().run(['domains', '-a', APP])).stdout;
    expect(list).toMatch(new RegExp(`=== ${APP} Heroku Domain\\s+${APP}\\.localhost`));
    expect(list).toMatch(/www\.cli-git\.test\s+CNAME\s+cli-git\.localhost/);
    expect(list).toMatch(/api\.cli-git\.test\s+CNAME\s+cli-git\.localhost/);
    const info = ok(await alice().run(['domains:info', 'www.cli-git.test', '-a', APP])).stdout;
    expect(info).toMatch(/hostname:\s+www\.cli-git\.test/);
    expect(info).toMatch(/status:\s+pending/);
    expect(ok(await alice().run(['domains:remove', 'api.cli-git.test', '-a', APP])).output).toContain(`Removing api.cli-git.test from ${APP}... done`);
    expect(ok(await alice().run(['domains:clear', '-a', APP])).output).toContain(`Removing all domains from ${APP}... done`);
    expect(ok(await alice().run(['domains', '-a', APP])).stdout).not.toContain('cli-git.test');
    const bad = await alice().run(['domains:add', 'not a host', '-a', APP]);
    expect(bad.code).not.toBe(0);
  });

  it('waits with domains:wait until DNS verifies the domain, and refuses an unknown one', async () => {
    const HOST = 'live.cli-git.test';
    ok(await alice().run(['domains:add', HOST, '-a', APP]));
    // the CLI polls every 5 s while the domain is pending; the user creates the records meanwhile
    const waiting = alice().run(['domains:wait', HOST, '-a', APP], { timeoutMs: 120_000 });
    const added = await api(stackInfo().users.alice).get(`/apps/${APP}/domains/${HOST}`);
    expect(added.body.status).toBe('pending');
    const zone = { zoneDir: stackInfo().zoneDir } as AcmeEnv;
    for (const r of added.body.verification.records as { type: 'TXT' | 'CNAME'; name: string; value: string }[]) {
      await setRecords(r.name, r.type === 'TXT' ? { TXT: [r.value] } : { CNAME: r.value }, zone);
    }
    // "check now" (the dashboard's button) rather than the first scheduled check, a minute later
    expect((await api(stackInfo().users.alice).post(`/apps/${APP}/domains/${HOST}/verify`)).status).toBe(202);
    const waited = await waiting;
    expect(waited.output).toContain(`Waiting for ${HOST}... done`);
    expect(waited.code, waited.output).toBe(0);
    expect(ok(await alice().run(['domains:info', HOST, '-a', APP])).stdout).toMatch(/status:\s+succeeded/);
    const unknown = await alice().run(['domains:wait', 'nowhere.cli-git.test', '-a', APP]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.output).toContain("Couldn't find that domain.");
    ok(await alice().run(['domains:remove', HOST, '-a', APP]));
  });

  it('adds a certificate with certs:add, choosing its domain at the prompt, and lists and shows it', async () => {
    expect(ok(await alice().run(['certs', '-a', APP])).stdout).toContain(`${APP} has no SSL certificates.`);
    ok(await alice().run(['domains:add', 'shop.cli-git.test', '-a', APP]));
    const dir = await mkdtemp(path.join(stackInfo().scratch, 'cert-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'shop.key'), '-out', path.join(dir, 'shop.crt'), '-days', '30',
      '-subj', '/CN=shop.cli-git.test', '-addext', 'subjectAltName=DNS:shop.cli-git.test'], { stdio: 'ignore' });
    const add = await inTerminal(process.execPath, [stackInfo().bin, 'certs:add', path.join(dir, 'shop.crt'), path.join(dir, 'shop.key'), '-a', APP], alice().env, [
      { expect: /Select domains/, send: ' ' },
      { expect: /◉ shop\.cli-git\.test/, send: '\r' },
    ]);
    expect(add.output).toContain(`Adding SSL certificate to ${APP}... done`);
    expect(add.output).toMatch(/Common Name\(s\):\s+shop\.cli-git\.test/);
    expect(add.output).toContain('SSL certificate is self signed.');
    expect(add.code, add.output).toBe(0);
    const certs = ok(await alice().run(['certs', '-a', APP])).stdout;
    expect(certs).toMatch(/sni-[0-9a-f]+\s+shop\.cli-git\.test\s+\d{4}-\d\d-\d\d \d\d:\d\d UTC\s+False\s+SNI\s+1/);
    const info = ok(await alice().run(['certs:info', '-a', APP])).stdout;
    expect(info).toMatch(/Subject:\s+CN=shop\.cli-git\.test/);
  });
});
