// Accounts and access against the real api, PostgreSQL and Redis: sign-up, the Heroku token flow,
// SSH keys, dashboard sessions, organizations and members, sign-in limits per account and address.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import ssh2 from 'ssh2';
import { setTestSetting } from '@slipway/core/testing/test-env';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { ApiClient } from '../support/client.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await startApiHarness();
  await setTestSetting(h.db.pool, 'login_failures_per_account', 5);
  await setTestSetting(h.db.pool, 'max_orgs_per_user', 3);
});
afterAll(async () => h?.close());

describe('token flow', () => {
  it('signs up, gets a token with HTTP Basic, and uses it as a Bearer token', async () => {
    const anon = new ApiClient(h.url);
    const signup = await anon.post('/api/v1/users', { email: 'Ada@Example.com', password: 'analytical engine' });
    expect(signup.status).toBe(201);
    expect(signup.body.email).toBe('ada@example.com');
    expect(signup.body).not.toHaveProperty('password_hash');

    const res = await fetch(`${h.url}/oauth/authorizations`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('ada@example.com:analytical engine').toString('base64')}` },
    });
    expect(res.status).toBe(201);
    const auth = (await res.json()) as any;
    expect(auth.id).toBeTruthy();
    expect(auth.access_token.token).toMatch(/^slw_/);
    expect(auth.user.email).toBe('ada@example.com');

    const me = await new ApiClient(h.url, auth.access_token.token).get('/account');
    expect(me.status).toBe(200);
    expect(me.body.email).toBe('ada@example.com');

    const orgs = await new ApiClient(h.url, auth.access_token.token).get('/api/v1/organizations');
    expect(orgs.body).toEqual([expect.objectContaining({ name: 'ada', personal: true, role: 'owner' })]);
  });

  it('refuses bad passwords, unknown tokens and missing auth with 401 and a Heroku error body', async () => {
    const bad = await fetch(`${h.url}/oauth/authorizations`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from('ada@example.com:wrong password').toString('base64')}` },
    });
    expect(bad.status).toBe(401);
    const body = (await bad.json()) as any;
    expect(body.id).toBe('unauthorized');
    expect(body.error.requestId).toBeTruthy();
    expect((await new ApiClient(h.url, 'slw_notarealtokenatallxxxxxxxxxxxx').get('/account')).status).toBe(401);
    expect((await new ApiClient(h.url).get('/apps')).status).toBe(401);
  });

  it('rejects duplicate emails with 409 and weak passwords with 400 naming the rule', async () => {
    const anon = new ApiClient(h.url);
    expect((await anon.post('/api/v1/users', { email: 'ada@example.com', password: 'another password' })).status).toBe(409);
    const weak = await anon.post('/api/v1/users', { email: 'weak@example.com', password: 'short' });
    expect(weak.status).toBe(400);
    expect(weak.body.message).toMatch(/10 to 200 characters/);
  });

  it('issues, lists and revokes API tokens; a revoked token stops working', async () => {
    const ada = await ApiClient.login(h.url, 'ada@example.com', 'analytical engine');
    const created = await ada.post('/api/v1/tokens', { description: 'ci' });
    expect(created.status).toBe(201);
    const ci = new ApiClient(h.url, created.body.token);
    expect((await ci.get('/account')).status).toBe(200);
    const list = await ada.get('/api/v1/tokens');
    expect(list.body.some((t: any) => t.id === created.body.id && !('token' in t))).toBe(true);
    expect((await ada.delete(`/api/v1/tokens/${created.body.id}`)).status).toBe(204);
    expect((await ci.get('/account')).status).toBe(401);
  });

  it('accepts Heroku version 3 Accept headers and refuses other versions', async () => {
    const ada = await ApiClient.login(h.url, 'ada@example.com', 'analytical engine');
    expect((await ada.get('/account', { accept: 'application/vnd.heroku+json; version=3.sdk' })).status).toBe(200);
    expect((await ada.get('/account', { accept: 'application/json' })).status).toBe(200);
    expect((await ada.get('/account', { accept: 'application/vnd.heroku+json; version=2' })).status).toBe(400);
  });
});

describe('ssh keys', () => {
  it('adds, lists and removes a public key with its SHA256 fingerprint', async () => {
    const ada = await ApiClient.login(h.url, 'ada@example.com', 'analytical engine');
    const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment: 'ada@laptop' });
    const added = await ada.post('/account/keys', { public_key: pair.public });
    expect(added.status).toBe(201);
    expect(added.body.fingerprint).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(added.body.comment).toBe('ada@laptop');
    expect((await ada.post('/account/keys', { public_key: pair.public })).status).toBe(409);
    expect((await ada.post('/account/keys', { public_key: 'ssh-rsa not-a-key' })).status).toBe(400);
    expect((await ada.post('/account/keys', { public_key: pair.private })).status).toBe(400);
    expect((await ada.get('/account/keys')).body).toHaveLength(1);
    expect((await ada.delete(`/account/keys/${added.body.id}`)).status).toBe(204);
    expect((await ada.get('/account/keys')).body).toHaveLength(0);
  });
});

describe('dashboard session', () => {
  it('signs in with a cookie, refuses non-JSON writes with it, signs out', async () => {
    const res = await fetch(`${h.url}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ada@example.com', password: 'analytical engine' }),
    });
    expect(res.status).toBe(201);
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/slipway_session=.+; .*HttpOnly/i);
    const jar = cookie.split(';')[0]!;
    expect((await fetch(`${h.url}/api/v1/session`, { headers: { cookie: jar } })).status).toBe(200);
    const form = await fetch(`${h.url}/apps`, { method: 'POST', headers: { cookie: jar, 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=csrf-app' });
    expect(form.status).toBe(403);
    expect((await fetch(`${h.url}/api/v1/session`, { method: 'DELETE', headers: { cookie: jar } })).status).toBe(403);
    expect((await fetch(`${h.url}/api/v1/session`, { method: 'DELETE', headers: { cookie: jar, 'x-requested-with': 'slipway' } })).status).toBe(204);
    expect((await fetch(`${h.url}/api/v1/session`, { headers: { cookie: jar } })).status).toBe(401);
  });
});

describe('organizations', () => {
  it('invites an existing user with a role; only admins manage members; the last owner stays', async () => {
    const ada = await ApiClient.login(h.url, 'ada@example.com', 'analytical engine');
    const bob = await ApiClient.signUp(h.url, 'bob@example.com');
    const org = await ada.post('/api/v1/organizations', { name: 'engines' });
    expect(org.status).toBe(201);
    expect((await ada.post('/api/v1/organizations', { name: 'engines' })).status).toBe(409);
    expect((await ada.post('/api/v1/organizations', { name: 'Bad Name!' })).status).toBe(400);

    expect((await bob.get(`/api/v1/organizations/${org.body.id}`)).status).toBe(404);
    const added = await ada.post(`/api/v1/organizations/${org.body.id}/members`, { email: 'bob@example.com', role: 'viewer' });
    expect(added.status).toBe(201);
    expect((await ada.post(`/api/v1/organizations/${org.body.id}/members`, { email: 'nobody@example.com', role: 'member' })).status).toBe(404);
    expect((await bob.get(`/api/v1/organizations/${org.body.id}`)).body.role).toBe('viewer');
    expect((await bob.post(`/api/v1/organizations/${org.body.id}/members`, { email: 'ada@example.com', role: 'owner' })).status).toBe(403);
    const adaId = (await ada.get('/account')).body.id;
    const demote = await ada.patch(`/api/v1/organizations/${org.body.id}/members/${adaId}`, { role: 'member' });
    expect(demote.status).toBe(409);
    expect(demote.body.message).toMatch(/at least one owner/);
  });

  it('limits the organizations a user owns (setting max_orgs_per_user), naming the limit', async () => {
    const erin = await ApiClient.signUp(h.url, 'erin@example.com');
    expect((await erin.post('/api/v1/organizations', { name: 'erin-two' })).status).toBe(201);
    expect((await erin.post('/api/v1/organizations', { name: 'erin-three' })).status).toBe(201);
    const over = await erin.post('/api/v1/organizations', { name: 'erin-four' });
    expect(over.status).toBe(422);
    expect(over.body).toMatchObject({ id: 'limit_exceeded', message: 'A user may own at most 3 organizations (setting max_orgs_per_user).' });
    expect((await erin.get('/api/v1/organizations')).body).toHaveLength(3);
  });

  it('lists plans publicly with hourly and monthly prices', async () => {
    const plans = await new ApiClient(h.url).get('/api/v1/plans');
    expect(plans.status).toBe(200);
    expect(plans.body.map((p: any) => p.name)).toEqual(['hobby', 'standard', 'pro', 'business']);
    for (const p of plans.body) expect(p.price_per_month).toBe(p.price_per_hour * 730);
  });
});

describe('sign-in limits', () => {
  const basic = (email: string, password: string) => `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`;
  const oauth = (email: string, password: string, headers: Record<string, string> = {}) =>
    fetch(`${h.url}/oauth/authorizations`, { method: 'POST', headers: { authorization: basic(email, password), ...headers } });
  const session = (email: string, password: string, headers: Record<string, string> = {}) =>
    fetch(`${h.url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ email, password }) });

  it('locks an account after repeated failures, and it stays locked for the right password', async () => {
    await ApiClient.signUp(h.url, 'carol@example.com', 'carol password ok');
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await oauth('carol@example.com', `guess-${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    for (const attempt of [() => oauth('carol@example.com', 'carol password ok'), () => session('Carol@Example.com', 'carol password ok')]) {
      const locked = await attempt();
      expect(locked.status).toBe(429);
      expect(await locked.json()).toMatchObject({ id: 'rate_limit', message: expect.stringMatching(/wait 15 minutes/) });
    }
  });

  it('counts guesses against the account whatever decoy headers are sent', async () => {
    await ApiClient.signUp(h.url, 'dave@example.com', 'dave password ok');
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const decoys = { authorization: basic(`decoy-${i}@example.com`, 'x'), 'x-forwarded-for': `10.0.0.${i}`, 'x-real-ip': `10.1.0.${i}` };
      statuses.push((await session('dave@example.com', `guess-${i}`, decoys)).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    expect((await session('dave@example.com', 'dave password ok')).status).toBe(429);
    // other accounts are not locked by dave's failures
    expect((await session('ada@example.com', 'analytical engine')).status).toBe(201);
  });

  it('refuses an address that guesses across many accounts, and only that address', async () => {
    // sign-ins from two other loopback addresses, as two different clients
    const from = (localAddress: string, email: string, password: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(`${h.url}/oauth/authorizations`, { method: 'POST', localAddress, headers: { authorization: basic(email, password) } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    await setTestSetting(h.db.pool, 'login_failures_per_address', 4);
    h.ctx.settings.invalidate();
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push(await from('127.0.0.2', `nobody-${i}@example.com`, 'guess'));
      expect(statuses).toEqual([401, 401, 401, 401, 429]);
      expect(await from('127.0.0.2', 'ada@example.com', 'analytical engine')).toBe(429);
      expect(await from('127.0.0.3', 'ada@example.com', 'analytical engine')).toBe(201);
    } finally {
      await h.db.pool.query(`DELETE FROM settings WHERE key = 'login_failures_per_address'`);
      h.ctx.settings.invalidate();
    }
  });
});
