// Custom domains and HTTPS end to end, with real parts only: the whole stack (api, worker, nginx
// edge with its TLS port), a real DNS server for the test zone whose records the test writes, Pebble
// (Let's Encrypt's test CA) validating HTTP-01 through the edge, the real git client over the api's
// TLS port trusting Slipway's private CA, and TLS clients that trust only Pebble's root.
import { readFile } from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import type tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../support/stack.js';
import { ApiClient } from '../support/client.js';
import { freePort } from '@slipway/core/testing/free-port';
import { WorkingCopy, git, viaEdge } from '../support/git.js';
import { eventually, report } from '../support/wait.js';
import { PlatformCa, platformCaFiles } from '@slipway/core/adapters/tls/platform-ca';
import { acmeEnv, clearRecords, pebbleRoot, setRecords } from '../support/acme-env.js';

const HOST = 'www.shop.test';
let stack: Stack;
let ada: ApiClient;
let bob: ApiClient;
let edgeTls: number;
let apiTls: number;
let root: string;
let adaTxt = '';

/** GET over HTTPS through the edge on a fresh connection, trusting only Pebble's root (or `ca`). */
function edgeHttps(host: string, p = '/', ca = root, anyName = false): Promise<{ status: number; body: string; issuer: string; serial: string; subject: string }> {
  return new Promise((resolve, reject) => {
    // anyName: the chain is still verified, but not the name (Node refuses *.localhost: a wildcard over a single label)
    const req = https.request({ host: '127.0.0.1', port: edgeTls, servername: host, path: p, headers: { host }, ca, agent: false, timeout: 10_000, ...(anyName ? { checkServerIdentity: () => undefined } : {}) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        const cert = (res.socket as tls.TLSSocket).getPeerCertificate();
        resolve({ status: res.statusCode ?? 0, body, issuer: String(cert.issuer?.CN ?? ''), serial: cert.serialNumber, subject: String(cert.subject?.CN ?? '') });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

const domain = async (c: ApiClient, app: string, host: string) => (await c.get(`/apps/${app}/domains/${host}`)).body;
const txtOf = (d: any): string => d.verification.records.find((r: any) => r.type === 'TXT').value;

beforeAll(async () => {
  const env = acmeEnv();
  [edgeTls, apiTls] = [await freePort(), await freePort()];
  stack = await startStack({
    SLIPWAY_EDGE_PORT: String(env.edgePort),
    SLIPWAY_EDGE_TLS_PORT: String(edgeTls),
    SLIPWAY_API_TLS_PORT: String(apiTls),
    NODE_EXTRA_CA_CERTS: env.pebbleTlsCaFile,
    SLIPWAY_ACME_DIRECTORY_URL: env.directoryUrl,
    SLIPWAY_DNS_RESOLVER: env.dnsResolver,
    SLIPWAY_DOMAINS_INTERVAL_SECONDS: '2',
  });
  ada = await ApiClient.signUp(stack.apiUrl, 'ada@example.com');
  bob = await ApiClient.signUp(stack.apiUrl, 'bob@example.com');
  root = await pebbleRoot(env);
});
afterAll(async () => {
  if (process.env.SLIPWAY_TLS_DEBUG) for (const f of ['api', 'worker']) process.stderr.write(await readFile(path.join(stack.dataDir, 'logs', `${f}.log`), 'utf8').catch(() => ''));
  await stack?.stop();
});

describe('HTTPS for the api and git', () => {
  it('deploys with git push over the api TLS port, trusting the private CA, and shows https git URLs', async () => {
    expect((await ada.post('/apps', { name: 'shop' })).status).toBe(201);
    expect((await ada.get('/apps/shop')).body.git_url).toBe(`https://127.0.0.1:${apiTls}/shop.git`);
    const ca = path.join(stack.dataDir, 'ca', 'ca.crt');
    const wc = await WorkingCopy.create({ fixture: 'static-site' });
    const url = new URL(`https://127.0.0.1:${apiTls}/shop.git`);
    url.username = 'user';
    url.password = ada.token!;
    // without the CA the client refuses the api's certificate; with it, the push deploys
    const untrusted = await git(wc.dir, ['push', url.toString(), 'main'], {}, { timeoutMs: 60_000 });
    expect(untrusted.code).not.toBe(0);
    expect(untrusted.output).toMatch(/certificate|SSL/i);
    const push = await git(wc.dir, ['push', url.toString(), 'main'], { GIT_SSL_CAINFO: ca }, { timeoutMs: 600_000 });
    expect(push.code, push.output).toBe(0);
    expect((await viaEdge(stack.edgePort, 'shop.localhost')).body).toContain('Static site works');
    expect(await readFile(ca, 'utf8')).toContain('BEGIN CERTIFICATE');
  });
});

describe('custom domains verified by DNS, certificates from ACME', () => {
  it('does not route or certify www.shop.test until its TXT record exists; then serves it over HTTPS with a Pebble certificate', async () => {
    const added = await ada.post('/apps/shop/domains', { hostname: HOST });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({ hostname: HOST, status: 'pending', dns_status: 'pending', acm_status: 'waiting', cname: 'shop.localhost' });
    expect(added.body.verification.records).toEqual([
      { type: 'TXT', name: `_slipway-challenge.${HOST}`, value: expect.stringMatching(/^slipway-verify=[0-9a-f]{32}$/), purpose: 'ownership' },
      { type: 'CNAME', name: HOST, value: 'shop.localhost', purpose: 'routing' },
    ]);
    // the check on add found nothing: still pending, not routed, no certificate
    await eventually(async () => expect((await domain(ada, 'shop', HOST)).verification.message).toMatch(/NXDOMAIN/), 30_000);
    await setRecords(HOST, { CNAME: 'shop.localhost' });
    expect((await viaEdge(stack.edgePort, HOST)).status).toBe(404);
    await expect(edgeHttps(HOST)).rejects.toThrow();

    adaTxt = txtOf(added.body);
    await setRecords(`_slipway-challenge.${HOST}`, { TXT: [adaTxt] });
    const t0 = Date.now();
    expect((await ada.post(`/apps/shop/domains/${HOST}/verify`)).status).toBe(202);
    await eventually(async () => expect(await domain(ada, 'shop', HOST)).toMatchObject({ status: 'succeeded', dns_status: 'verified', acm_status: 'cert issued' }), 90_000, 500);
    let served!: Awaited<ReturnType<typeof edgeHttps>>;
    await eventually(async () => {
      served = await edgeHttps(HOST);
      expect(served.status).toBe(200);
    }, 30_000);
    report('custom domain: verify → HTTPS served (Pebble)', `${Date.now() - t0} ms`);
    expect(served.body).toContain('Static site works');
    expect(served.issuer).toMatch(/Pebble/);
    const d = await domain(ada, 'shop', HOST);
    expect(d.certificate).toMatchObject({ source: 'acme', issuer: expect.stringMatching(/Pebble/) });
    expect(new Date(d.certificate.expires_at).getTime()).toBeGreaterThan(Date.now() + 80 * 86_400_000);
    // plain HTTP redirects to HTTPS (the app's default: on once a certificate exists)
    const plain = await viaEdge(stack.edgePort, HOST, '/style.css?x=1', true);
    expect(plain.status).toBe(308);
    expect(plain.headers.get('location')).toBe(`https://${HOST}:${edgeTls}/style.css?x=1`);
    // and the app can turn the redirect off
    expect((await ada.patch('/apps/shop', { https_redirect: false })).body.https_redirect).toBe(false);
    await eventually(async () => expect((await viaEdge(stack.edgePort, HOST, '/', true)).status).toBe(200), 30_000);
    await ada.patch('/apps/shop', { https_redirect: null });
  });

  it('renews a certificate due for renewal by the scheduled job, without one failed request during the swap', async () => {
    const before = (await edgeHttps(HOST)).serial;
    let stop = false;
    let ok = 0;
    const failures: string[] = [];
    const probes = Array.from({ length: 2 }, async () => {
      while (!stop) {
        try {
          const r = await edgeHttps(HOST);
          if (r.status === 200) ok++;
          else failures.push(`status ${r.status}`);
        } catch (err) {
          failures.push((err as Error).message);
        }
      }
    });
    // Pebble issues 90-day certificates: a 91-day window makes the current one due
    expect((await stack.admin.patch('/api/v1/admin/settings', { certificate_renew_days: 91 })).status).toBe(200);
    try {
      await eventually(async () => expect((await edgeHttps(HOST)).serial).not.toBe(before), 90_000, 500);
    } finally {
      await stack.admin.patch('/api/v1/admin/settings', { certificate_renew_days: null });
      await new Promise((r) => setTimeout(r, 1000));
      stop = true;
      await Promise.all(probes);
    }
    report('certificate renewal: HTTPS requests during the swap', `${ok} ok, ${failures.length} failed`);
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(10);
    const activity = (await ada.get('/apps/shop/activity')).body as { action: string }[];
    expect(activity.map((a) => a.action)).toContain('certificate.renewed');
  });

  it('refuses the hostname to another organization while verified (409); once removed, the other can verify it', async () => {
    expect((await bob.post('/apps', { name: 'rival' })).status).toBe(201);
    const refused = await bob.post('/apps/rival/domains', { hostname: HOST });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/already in use/);
    expect((await ada.delete(`/apps/shop/domains/${HOST}`)).status).toBe(200);
    await eventually(async () => expect((await viaEdge(stack.edgePort, HOST, '/', true)).status).toBe(404), 30_000);
    const claimed = await bob.post('/apps/rival/domains', { hostname: HOST });
    expect(claimed.status).toBe(201);
    // Ada's record no longer proves anything: Bob's token is a new one
    expect(txtOf(claimed.body)).not.toBe(adaTxt);
    await setRecords(`_slipway-challenge.${HOST}`, { TXT: [txtOf(claimed.body)] });
    await bob.post(`/apps/rival/domains/${HOST}/verify`);
    await eventually(async () => expect((await domain(bob, 'rival', HOST)).dns_status).toBe('verified'), 60_000, 500);
    expect((await ada.post('/apps/shop/domains', { hostname: HOST })).status).toBe(409);
    await clearRecords(`_slipway-challenge.${HOST}`);
  });

  it('says clearly what is wrong: a wrong TXT value, an NXDOMAIN, an ACME failure', async () => {
    const add = async (host: string) => (await ada.post('/apps/shop/domains', { hostname: host })).body;
    const wrong = await add('wrong.shop.test');
    await setRecords(`_slipway-challenge.wrong.shop.test`, { TXT: ['slipway-verify=not-the-token'] });
    await ada.post('/apps/shop/domains/wrong.shop.test/verify');
    await add('missing.shop.test');
    const failing = await add('refused.shop.test');
    // the record is right, but the name points where nothing listens: the CA's validation fails
    await setRecords('refused.shop.test', { A: ['127.0.0.2'] });
    await setRecords('_slipway-challenge.refused.shop.test', { TXT: [txtOf(failing)] });
    await ada.post('/apps/shop/domains/refused.shop.test/verify');

    await eventually(async () => {
      expect(await domain(ada, 'shop', 'wrong.shop.test')).toMatchObject({
        dns_status: 'pending',
        verification: { message: `TXT record _slipway-challenge.wrong.shop.test has the wrong value: found "slipway-verify=not-the-token", expected "${txtOf(wrong)}".` },
      });
      expect((await domain(ada, 'shop', 'missing.shop.test')).verification.message).toMatch(/^_slipway-challenge\.missing\.shop\.test does not exist \(NXDOMAIN\)/);
      const refused = await domain(ada, 'shop', 'refused.shop.test');
      expect(refused).toMatchObject({ dns_status: 'verified', acm_status: 'failing' });
      expect(refused.acm_status_reason).toMatch(/^The certificate order failed: .*(refused|connect)/i);
    }, 90_000, 500);
  });

  it("gives apps on the platform domain certificates: per host from ACME, or the operator's wildcard", async () => {
    expect((await stack.admin.patch('/api/v1/admin/settings', { platform_domain_acme: true })).status).toBe(200);
    await eventually(async () => {
      const d = (await ada.get('/apps/shop/domains')).body.find((x: any) => x.kind === 'heroku');
      expect(d).toMatchObject({ hostname: 'shop.localhost', acm_status: 'cert issued', certificate: { source: 'acme' } });
      expect((await edgeHttps('shop.localhost')).issuer).toMatch(/Pebble/);
    }, 60_000, 500);
    await stack.admin.patch('/api/v1/admin/settings', { platform_domain_acme: null });
    await new Promise((r) => setTimeout(r, 3000)); // processes re-read settings within 2 s (settings.service.ts)

    // the operator's wildcard, from their own CA, serves every other app's default hostname
    const operatorCa = await PlatformCa.loadOrCreate(platformCaFiles(path.join(stack.dataDir, 'operator-ca')), 'Operator CA');
    const wildcard = await operatorCa.issueServerCert(['*.localhost'], 30);
    expect((await stack.admin.patch('/api/v1/admin/settings', { platform_wildcard_pem: `${wildcard.certPem}\n${wildcard.keyPem}` })).status).toBe(200);
    expect((await stack.admin.patch('/api/v1/admin/settings', { platform_wildcard_pem: 'not a certificate' })).status).toBe(400);
    expect((await ada.post('/apps', { name: 'plain' })).status).toBe(201);
    await ada.patch('/apps/plain', { https_redirect: false }); // any routing change routes it (no web process yet: a 503 page)
    await eventually(async () => {
      const r = await edgeHttps('plain.localhost', '/', operatorCa.certPem, true);
      expect(r).toMatchObject({ status: 503, subject: '*.localhost' });
      expect((await ada.get('/apps/plain/domains')).body[0]).toMatchObject({ acm_status: 'cert issued', certificate: { source: 'wildcard' } });
    }, 30_000, 500);
    // the app's own ACME certificate still wins over the wildcard
    expect((await edgeHttps('shop.localhost')).issuer).toMatch(/Pebble/);
  });
});
