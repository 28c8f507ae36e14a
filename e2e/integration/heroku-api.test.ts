// The Heroku Platform API as Heroku's CLI speaks it, in process (the heroku-cli tier drives the
// real CLI): formation quantities as strings, relative and with sizes; OAuth authorizations
// listed redacted and revoked; teams, members and collaborators; the fixed resources (regions,
// stacks, features, add-ons, the buildpack registry); releases' config and rollback eligibility;
// one-off dynos recorded and queued; a release made from a slug.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { ApiClient } from '../support/client.js';
import { seedRelease } from '../support/seed.js';

let h: ApiHarness;
let ada: ApiClient;
let bea: ApiClient;
let appId: string;

beforeAll(async () => {
  h = await startApiHarness();
  ada = await ApiClient.signUp(h.url, 'ada@example.com');
  bea = await ApiClient.signUp(h.url, 'bea@example.com');
  appId = (await ada.post('/apps', { name: 'hk-api' })).body.id;
  await seedRelease(h.ctx, appId);
});
afterAll(async () => h?.close());

describe('formation as the CLI sends it', () => {
  it('takes string, relative and sized quantities, and names the rule that a bad one breaks', async () => {
    const scale = (updates: unknown[]) => ada.patch('/apps/hk-api/formation', { updates });
    expect((await scale([{ type: 'web', quantity: '2' }])).body.find((f: any) => f.type === 'web')).toMatchObject({ quantity: 2, size: 'hobby' });
    expect((await scale([{ type: 'web', quantity: '-1' }])).body.find((f: any) => f.type === 'web').quantity).toBe(1);
    expect((await scale([{ type: 'worker', quantity: '+1', size: 'Standard' }])).body.find((f: any) => f.type === 'worker')).toMatchObject({ quantity: 1, size: 'standard' });
    const sized = await ada.patch('/apps/hk-api/formation/worker', { size: 'pro' });
    expect(sized.body).toMatchObject({ type: 'worker', quantity: 1, size: 'pro' });
    const rows = await h.ctx.store.repos.formation.list(appId);
    expect(rows.find((f) => f.type === 'web')!.planId).toBeNull(); // the app's plan
    const bad = await scale([{ type: 'web', quantity: 'lots' }]);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ id: 'invalid_params', message: 'Quantity for web must be a number ("2") or a change ("+1", "-1"), not "lots".' });
    expect((await scale([{ type: 'web', quantity: '+5' }])).body).toMatchObject({ id: 'limit_exceeded', message: 'Plan hobby allows at most 2 processes of each type; web=6 exceeds it.' });
    expect((await scale([{ type: 'web', quantity: 1, size: 'XL' }])).body.message).toBe('Size "XL" is not a plan of this Slipway; sizes are: hobby, standard, pro, business.');
    expect((await scale([{ type: 'clock', quantity: 1 }])).status).toBe(404);
  });
});

describe('OAuth authorizations', () => {
  it('lists tokens redacted to their last characters, hides Heroku-only resources, and revokes', async () => {
    const created = await ada.post('/oauth/authorizations', { description: 'deploy bot', expires_in: '3600' });
    expect(created.status).toBe(201);
    const token = created.body.access_token.token as string;
    expect(created.body.access_token.expires_in).toBeGreaterThan(3500);
    const list = (await ada.get('/oauth/authorizations')).body as any[];
    const bot = list.find((a) => a.description === 'deploy bot');
    expect(bot.access_token.token).toBe(`slw_**********${token.slice(-4)}`);
    expect(JSON.stringify(list)).not.toContain(token);
    expect((await ada.get('/oauth/authorizations/~')).body).toMatchObject({ id: 'not_found', resource: 'authorization' });
    expect((await ada.delete('/oauth/sessions/~')).body).toMatchObject({ id: 'not_found', resource: 'session' });
    expect((await ada.delete(`/oauth/authorizations/${bot.id}`)).status).toBe(200);
    expect((await new ApiClient(h.url, token).get('/account')).status).toBe(401);
    expect((await ada.post('/oauth/authorizations', { scope: ['read'] })).status).toBe(400);
  });
});

describe('teams, members and collaborators', () => {
  it('answers teams from organizations and adds and removes a collaborator through the app\'s team', async () => {
    expect((await ada.post('/api/v1/organizations', { name: 'hk-team' })).status).toBe(201);
    expect((await ada.get('/teams')).body.map((t: any) => [t.name, t.role, t.type])).toEqual([['hk-team', 'owner', 'team']]);
    const teamApp = (await ada.post('/teams/apps', { name: 'hk-team-app', team: 'hk-team' })).body;
    expect(teamApp.team).toMatchObject({ name: 'hk-team' });
    expect((await ada.get('/apps/hk-api')).body.team).toBeNull(); // a personal app
    expect((await ada.get('/teams/hk-team/apps')).body.map((a: any) => a.name)).toEqual(['hk-team-app']);
    expect((await bea.get('/apps/hk-team-app')).status).toBe(404);
    const added = await ada.post('/apps/hk-team-app/collaborators', { user: 'bea@example.com' });
    expect(added.body).toMatchObject({ user: { email: 'bea@example.com' }, role: 'member', permissions: [{ name: 'view' }, { name: 'deploy' }, { name: 'operate' }] });
    expect((await bea.get('/apps/hk-team-app')).status).toBe(200);
    expect((await ada.get('/teams/hk-team/members')).body.map((m: any) => m.email).sort()).toEqual(['ada@example.com', 'bea@example.com']);
    expect((await bea.post('/apps/hk-team-app/collaborators', { user: 'ada@example.com' })).status).toBe(403);
    expect((await ada.delete('/apps/hk-team-app/collaborators/bea@example.com')).status).toBe(200);
    expect((await bea.get('/apps/hk-team-app')).status).toBe(404);
  });
});

describe('fixed resources', () => {
  it('has one region and one stack, no features or add-ons, and registry names for the built-in buildpacks', async () => {
    expect((await ada.get('/regions')).body).toMatchObject([{ name: 'local', private_capable: false }]);
    expect((await ada.get('/stacks')).body).toMatchObject([{ name: 'slipway-1', default: true }]);
    for (const p of ['/account/features', '/apps/hk-api/features', '/addons', '/apps/hk-api/addons', '/addon-attachments']) expect((await ada.get(p)).body, p).toEqual([]);
    expect((await ada.post('/apps/hk-api/addons', { plan: 'heroku-postgresql' })).body.message).toBe('Add-ons are not available on Slipway yet.');
    expect((await fetch(`${h.url}/buildpack-registry/buildpacks/heroku%2Fnodejs`).then((r) => r.json()))).toMatchObject({ blob_url: 'heroku/nodejs' });
    expect((await fetch(`${h.url}/buildpack-registry/buildpacks/someone%2Fthing`)).status).toBe(404);
    const set = await ada.req('PUT', '/apps/hk-api/buildpack-installations', { body: { updates: [{ buildpack: 'heroku/python' }, { buildpack: 'https://example.com/bp.git' }] }, headers: { range: '' } });
    expect(set.body).toEqual([{ ordinal: 0, buildpack: { url: 'heroku/python', name: 'heroku/python' } }, { ordinal: 1, buildpack: { url: 'https://example.com/bp.git', name: 'https://example.com/bp.git' } }]);
    expect((await ada.patch('/apps/hk-api', { build_stack: 'heroku-24' })).body.message).toBe('Unknown stack "heroku-24": apps build and run on "slipway-1".');
    const res = await fetch(`${h.url}/nothing-here`, { headers: { accept: 'application/vnd.heroku+json; version=3', authorization: `Bearer ${ada.token}` } });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ id: 'not_found', message: 'The requested API endpoint was not found.' });
  });
});

describe('releases and one-off dynos', () => {
  it('shows a release\'s config, its rollback eligibility, and makes a release of a slug', async () => {
    await ada.patch('/apps/hk-api/config-vars', { COLOR: 'red' });
    const list = (await ada.get('/apps/hk-api/releases', { range: 'version ..; order=desc,max=1' })).body;
    expect(list).toHaveLength(1);
    expect((await ada.get(`/apps/hk-api/releases/${list[0].version}/config-vars`)).body).toEqual({ COLOR: 'red' });
    expect((await ada.get('/apps/hk-api/releases/1')).body).toMatchObject({ eligible_for_rollback: true, output_stream_url: null });
    const slug = (await ada.get('/apps/hk-api/releases/1')).body.slug.id;
    const made = await ada.post('/apps/hk-api/releases', { slug, description: 'Retry of v1' });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ description: 'Retry of v1', slug: { id: slug }, status: 'pending' });
  });

  it('records and queues a one-off dyno for the current release, and refuses what it cannot run', async () => {
    const run = await ada.post('/apps/hk-api/dynos', { command: 'echo hi', attach: false, env: { TERM: 'xterm', LINES: 24 }, size: 'standard' });
    expect(run.status).toBe(201);
    expect(run.body).toMatchObject({ name: 'run.1', type: 'run', state: 'starting', command: 'echo hi', size: 'standard', attach_url: null });
    const row = (await h.ctx.store.repos.oneOffs.find(appId, 'run.1'))!;
    expect(h.ctx.vault.openSnapshot({ id: appId, orgId: (await ada.get('/apps/hk-api')).body.organization.id }, row.env)).toEqual({ TERM: 'xterm', LINES: '24' });
    const job = (await h.ctx.jobs.queues.dynos.getJobs(['waiting']))[0]!;
    expect(job.data).toEqual({ dynoId: row.id, appId }); // ids only: the environment stays sealed in the database
    expect((await ada.get('/apps/hk-api/dynos')).body.map((d: any) => d.name)).toContain('run.1');
    // attached dynos need the rendezvous listener, which this in-process api does not run
    expect((await ada.post('/apps/hk-api/dynos', { command: 'bash', attach: true })).status).toBe(502);
    const empty = (await ada.post('/apps', { name: 'hk-empty' })).body;
    expect((await ada.post('/apps/hk-empty/dynos', { command: 'true' })).body).toMatchObject({ id: 'conflict', message: 'hk-empty has no release to run yet: push code first.' });
    expect(empty.name).toBe('hk-empty');
    expect((await ada.post('/apps/hk-api/dynos', { command: 'true', env: { 'bad key': 'x' } })).status).toBe(400);
  });
});
