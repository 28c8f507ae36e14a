// Signing in with the real Heroku CLI: `login -i` at its prompts (driven through a pseudo-terminal,
// support/terminal.ts), whoami, auth:token, authorizations, logout revoking the CLI's own token.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Heroku, ok, stackInfo } from './support/cli.js';
import { inTerminal } from './support/terminal.js';
import { ApiClient } from '../support/client.js';

/** `heroku login -i`, answering its prompts as a person would. */
function loginAt(h: Heroku, email: string, password: string) {
  const s = stackInfo();
  return inTerminal(process.execPath, [s.bin, 'login', '-i'], h.env, [
    { expect: /Email/, send: `${email}\r` },
    { expect: /Password/, send: `${password}\r` },
  ]);
}

describe('heroku auth', () => {
  it('logs in with email and password at the prompts, is whoami, and logs out revoking its token', async () => {
    const alice = stackInfo().users.alice;
    const cli = Heroku.signedOut('alice-laptop');
    const login = await loginAt(cli, alice.email, alice.password);
    expect(login.output).toContain(`Logged in as ${alice.email}`);
    expect(login.code, login.output).toBe(0);
    const netrc = await readFile(path.join(cli.env.HOME!, '.netrc'), 'utf8');
    const token = /password (\S+)/.exec(netrc)![1]!;
    expect(netrc).toContain(`login ${alice.email}`);

    expect(ok(await cli.run(['whoami'])).stdout.trim()).toBe(alice.email);
    expect(ok(await cli.run(['auth:token'])).stdout.trim()).toBe(token);
    const list = ok(await cli.run(['authorizations']));
    expect(list.stdout).toMatch(/Heroku CLI login from \S+\s+[0-9a-f-]{36}\s+global/);

    const out = await cli.run(['logout']);
    expect(out.output).toContain('Logging out... done');
    const who = await cli.run(['whoami']);
    expect(who.code).toBe(100);
    expect(who.output).toContain('not logged in');
    // the token the CLI held is revoked on the server, not only forgotten locally
    expect((await new ApiClient(stackInfo().apiUrl, token).get('/account')).status).toBe(401);
  });

  it('refuses a wrong password and an invalid HEROKU_API_KEY with Heroku-style errors', async () => {
    const cli = Heroku.signedOut('mallory');
    const bad = await loginAt(cli, 'alice@example.com', 'wrong password');
    expect(bad.output).toContain('Invalid email or password.');
    expect(bad.code).not.toBe(0);
    const forged = await cli.run(['apps'], { env: { HEROKU_API_KEY: 'slw_not-a-real-token-at-all-xxxxxxxx' } });
    expect(forged.output).toContain('The token provided to HEROKU_API_KEY is invalid');
    expect(forged.code).not.toBe(0);
  });

  it('creates a long-lived authorization with a description and lists it redacted', async () => {
    const alice = Heroku.as('alice');
    const created = ok(await alice.run(['authorizations:create', '--description', 'ci pipeline', '--short']));
    const token = created.stdout.trim();
    expect(token).toMatch(/^slw_[A-Za-z0-9_-]{40,}$/);
    const json = JSON.parse(ok(await alice.run(['authorizations', '--json'])).stdout) as { description: string; access_token: { token: string } }[];
    const mine = json.find((a) => a.description === 'ci pipeline')!;
    expect(mine.access_token.token).toBe(`slw_**********${token.slice(-4)}`);
    expect(ok(await alice.run(['whoami'], { env: { HEROKU_API_KEY: token } })).stdout.trim()).toBe('alice@example.com');
  });
});
