// The api's side of custom domains and certificates, in process against real PostgreSQL and Redis:
// a pending claim blocks nobody while a verified hostname is refused to others (409); Heroku's
// sni-endpoints (upload, list, replace, remove; keys sealed, never returned; a key that does not
// match refused with 400); the ACME HTTP-01 responder the edge proxies to; and the api's own TLS
// certificate (operator's, else ACME's, else the private CA's). DNS and ACME themselves are in
// e2e/local/domains-tls.test.ts.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlatformCa, platformCaFiles } from '@slipway/core/adapters/tls/platform-ca';
import { RedisHttp01Store } from '@slipway/core/adapters/acme/redis.http01-store';
import { CertificateVault } from '@slipway/core/services/domains/certificate-vault';
import { createRedis } from '@slipway/core/adapters/redis/redis';
import { ApiCertificates } from '@slipway/api/http/tls-server';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { ApiClient } from '../support/client.js';

let h: ApiHarness;
let a: ApiClient;
let b: ApiClient;
let ca: PlatformCa;
let dir: string;

beforeAll(async () => {
  h = await startApiHarness();
  a = await ApiClient.signUp(h.url, 'certs-a@example.com');
  b = await ApiClient.signUp(h.url, 'certs-b@example.com');
  dir = await mkdtemp(path.join(os.tmpdir(), 'certs-'));
  ca = await PlatformCa.loadOrCreate(platformCaFiles(dir), 'Tenant test CA');
  await a.post('/apps', { name: 'cert-a' });
  await b.post('/apps', { name: 'cert-b' });
});
afterAll(async () => {
  await h?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('domain claims', () => {
  it('lets several apps claim a pending hostname, refuses a verified one to others, and frees it on removal', async () => {
    const claimA = await a.post('/apps/cert-a/domains', { hostname: 'claimed.example.org' });
    expect(claimA.status).toBe(201);
    expect(claimA.body).toMatchObject({ status: 'pending', acm_status: 'waiting', sni_endpoint: null, certificate: null });
    expect((await b.post('/apps/cert-b/domains', { hostname: 'claimed.example.org' })).status).toBe(201); // a claim proves nothing
    // A's claim is verified (what the worker does once the TXT record matches)
    await h.db.pool.query(`UPDATE domains SET dns_status = 'verified' WHERE id = $1`, [claimA.body.id]);
    await expect(h.db.pool.query(`UPDATE domains SET dns_status = 'verified' WHERE hostname = 'claimed.example.org' AND id <> $1`, [claimA.body.id])).rejects.toThrow(/unique/);
    const refused = await b.post('/apps/cert-b/domains', { hostname: 'claimed.example.org' });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe('claimed.example.org is already in use by another app.');
    expect((await b.delete('/apps/cert-b/domains/claimed.example.org')).status).toBe(200);
    expect((await a.delete('/apps/cert-a/domains/claimed.example.org')).status).toBe(200);
    expect((await b.post('/apps/cert-b/domains', { hostname: 'claimed.example.org' })).status).toBe(201);
    // the platform's own hostname is not for tenants
    expect((await a.post('/apps/cert-a/domains', { hostname: new URL(h.config.api.publicUrl).hostname })).status).toBe(400);
  });
});

describe('sni-endpoints', () => {
  it('stores an uploaded certificate with its key sealed, lists, replaces and removes it', async () => {
    await a.post('/apps/cert-a/domains', { hostname: 'www.tenant.example' });
    const first = await ca.issueServerCert(['www.tenant.example'], 30);
    const other = await ca.issueServerCert(['other.example'], 30);
    const mismatch = await a.post('/apps/cert-a/sni-endpoints', { certificate_chain: first.certPem, private_key: other.keyPem });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error.message).toMatch(/does not belong/);

    const created = await a.post('/apps/cert-a/sni-endpoints', { certificate_chain: `${first.certPem}\n${ca.certPem}`, private_key: first.keyPem });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      app: { name: 'cert-a' },
      ssl_cert: { cert_domains: ['www.tenant.example'], 'ca_signed?': true, 'self_signed?': false, subject: 'CN=www.tenant.example' },
    });
    expect(created.body.domains).toHaveLength(1);
    expect(JSON.stringify(created.body)).not.toContain('PRIVATE KEY');
    const raw = (await h.db.pool.query(`SELECT key_sealed FROM certificates WHERE id = $1`, [created.body.id])).rows[0].key_sealed as Buffer;
    expect(raw.toString('latin1')).not.toContain('PRIVATE KEY');
    expect((await a.get('/apps/cert-a/sni-endpoints')).body.map((e: any) => e.name)).toEqual([created.body.name]);
    expect((await a.get('/apps/cert-a/domains/www.tenant.example')).body.sni_endpoint).toEqual({ id: created.body.id, name: created.body.name });
    // another organization sees nothing of it
    expect((await b.get(`/apps/cert-a/sni-endpoints/${created.body.name}`)).status).toBe(404);

    const next = await ca.issueServerCert(['www.tenant.example'], 60);
    const replaced = await a.patch(`/apps/cert-a/sni-endpoints/${created.body.name}`, { certificate_chain: next.certPem, private_key: next.keyPem });
    expect(replaced.status).toBe(200);
    expect(replaced.body.name).toBe(created.body.name);
    expect(new Date(replaced.body.ssl_cert.expires_at).getTime()).toBeGreaterThan(new Date(created.body.ssl_cert.expires_at).getTime());
    expect((await a.delete(`/apps/cert-a/sni-endpoints/${created.body.name}`)).status).toBe(200);
    expect((await a.get('/apps/cert-a/sni-endpoints')).body).toEqual([]);
  });
});

describe('ACME HTTP-01 responder', () => {
  it('answers a published key authorization as text, and 404 for anything else', async () => {
    const redis = createRedis(h.config.redis.url, { name: 'test' });
    const store = new RedisHttp01Store({ redis, prefix: h.config.redis.prefix });
    await store.put('tok_abcdefgh', 'tok_abcdefgh.thumbprint', 60);
    const r = await fetch(`${h.url}/.well-known/acme-challenge/tok_abcdefgh`);
    expect(r.status).toBe(200);
    expect(await r.text()).toBe('tok_abcdefgh.thumbprint');
    expect((await fetch(`${h.url}/.well-known/acme-challenge/unknown_token`)).status).toBe(404);
    expect((await fetch(`${h.url}/.well-known/acme-challenge/..%2f..%2fetc`)).status).toBe(404);
    await store.remove('tok_abcdefgh');
    expect((await fetch(`${h.url}/.well-known/acme-challenge/tok_abcdefgh`)).status).toBe(404);
    redis.disconnect();
  });
});

describe("the api's TLS certificate", () => {
  it("is the operator's when set, else the ACME one for its hostname, else the private CA's", async () => {
    const certs = new ApiCertificates({ config: h.config, store: h.ctx.store, settings: h.ctx.settings, box: h.ctx.box, log: h.ctx.log });
    const fromCa = await certs.current();
    expect(fromCa.source).toBe('platform-ca');
    const platform = await PlatformCa.loadOrCreate(platformCaFiles(h.config.dataDir));
    expect(fromCa.certPem).toContain(platform.certPem.trim().split('\n')[1]);

    const acme = await ca.issueServerCert(['127.0.0.1'], 30);
    const row = new CertificateVault(h.ctx.box).row({ orgId: null, appId: null, domainId: null, purpose: 'api', source: 'acme', chainPem: acme.certPem, keyPem: acme.keyPem });
    await h.ctx.store.repos.certificates.replaceAcme(row);
    expect(await certs.current()).toMatchObject({ source: 'acme', certPem: acme.certPem, keyPem: acme.keyPem });

    const operator = await ca.issueServerCert(['api.example.org'], 30);
    await h.ctx.settings.update({ api_tls_pem: `${operator.certPem}\n${operator.keyPem}` }, { userId: null });
    expect((await certs.current()).source).toBe('operator');
    await expect(h.ctx.settings.update({ api_tls_pem: operator.certPem }, { userId: null })).rejects.toThrow(/api_tls_pem must hold a PEM certificate chain and its private key/);
  });
});
