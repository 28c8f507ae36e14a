// The rules of domain verification and certificate choice (pure): messages a user can act on, the
// check schedule, and which certificate serves which hostname — never another app's.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlatformCa, platformCaFiles } from '../../adapters/tls/platform-ca.js';
import { certificateFacts, covers, parseCertificateBundle, parseCombinedPem } from '../../domain/certificate-pem.js';
import type { CertificateRow } from '../../repositories/types.js';
import { chooseCertificates } from './edge-certificates.js';
import { judgeTarget, judgeTxt, nextCheckAt, nextTlsAttemptAt, recordsToCreate } from './verification.js';

describe('verification', () => {
  const token = 'slipway-verify=abc';
  it('says what was found and what is expected', () => {
    expect(judgeTxt('www.shop.test', { kind: 'found', records: ['x', token] }, token)).toEqual({ verified: true, message: 'TXT record _slipway-challenge.www.shop.test matches.' });
    expect(judgeTxt('www.shop.test', { kind: 'found', records: ['nope'] }, token).message).toBe('TXT record _slipway-challenge.www.shop.test has the wrong value: found "nope", expected "slipway-verify=abc".');
    expect(judgeTxt('www.shop.test', { kind: 'nxdomain' }, token).message).toMatch(/^_slipway-challenge\.www\.shop\.test does not exist \(NXDOMAIN\)/);
    expect(judgeTxt('www.shop.test', { kind: 'nodata' }, token).message).toMatch(/has no TXT record/);
    expect(judgeTxt('www.shop.test', { kind: 'error', message: 'ETIMEOUT' }, token)).toMatchObject({ verified: false, message: expect.stringMatching(/failed: ETIMEOUT/) });
  });

  it('asks for a CNAME, or A records for an apex when the edge address is known', () => {
    const t = { cname: 'shop.apps.example.net', ipv4: ['203.0.113.7'] };
    expect(recordsToCreate({ hostname: 'www.shop.test', verificationToken: token }, t).map((r) => `${r.type} ${r.name} ${r.value}`)).toEqual([
      'TXT _slipway-challenge.www.shop.test slipway-verify=abc',
      'CNAME www.shop.test shop.apps.example.net',
    ]);
    expect(recordsToCreate({ hostname: 'shop.test', verificationToken: token }, t).map((r) => r.type)).toEqual(['TXT', 'A']);
    expect(recordsToCreate({ hostname: 'shop.test', verificationToken: token }, { ...t, ipv4: [] }).map((r) => r.type)).toEqual(['TXT', 'CNAME']);
    expect(judgeTarget('www.shop.test', { kind: 'found', records: ['shop.apps.example.net'] }, { kind: 'nodata' }, t).ok).toBe(true);
    expect(judgeTarget('www.shop.test', { kind: 'nxdomain' }, { kind: 'found', records: ['198.51.100.1'] }, t).message).toMatch(/found A 198\.51\.100\.1; create CNAME shop\.apps\.example\.net/);
  });

  it('checks soon after adding, then backs off, and stops after 72 hours', () => {
    const since = new Date('2026-01-01T00:00:00Z');
    expect(nextCheckAt(0, since, since)!.getTime() - since.getTime()).toBe(60_000);
    expect(nextCheckAt(3, since, since)!.getTime() - since.getTime()).toBe(600_000);
    expect(nextCheckAt(50, since, new Date(since.getTime() + 60 * 3600_000))!.getTime()).toBe(since.getTime() + 64 * 3600_000);
    expect(nextCheckAt(50, since, new Date(since.getTime() + 70 * 3600_000))).toBeNull();
    expect(nextTlsAttemptAt(1, since)!.getTime() - since.getTime()).toBe(60_000);
    expect(nextTlsAttemptAt(12, since)).toBeNull();
  });
});

describe('certificates', () => {
  let dir: string;
  let ca: PlatformCa;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'certs-'));
    ca = await PlatformCa.loadOrCreate(platformCaFiles(dir));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const row = (over: Partial<CertificateRow>, facts: { hostnames: string[] }): CertificateRow => ({
    id: crypto.randomUUID(), orgId: 'o', appId: 'app-a', domainId: null, purpose: 'app', source: 'uploaded', name: 'n', hostnames: facts.hostnames,
    certPem: '', keySealed: Buffer.alloc(0), issuer: 'i', subject: 's', notBefore: new Date(Date.now() - 1000), notAfter: new Date(Date.now() + 86_400_000), createdAt: new Date(), updatedAt: new Date(),
    ...over,
  });

  it('reads an uploaded chain and key, refusing a key of another certificate', async () => {
    const a = await ca.issueServerCert(['www.shop.test', 'shop.test'], 10);
    const b = await ca.issueServerCert(['other.test'], 10);
    const ok = parseCertificateBundle(`${a.certPem}\n${ca.certPem}`, a.keyPem);
    expect(ok.facts.hostnames).toEqual(['www.shop.test', 'shop.test']);
    expect(ok.chainPem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
    expect(() => parseCertificateBundle(a.certPem, b.keyPem)).toThrow(/does not belong/);
    expect(() => parseCertificateBundle('nope', a.keyPem)).toThrow(/PEM certificate/);
    expect(parseCombinedPem(`${a.certPem}\n${a.keyPem}`).facts.hostnames).toContain('shop.test');
    expect(certificateFacts(a.certPem).selfSigned).toBe(false);
    expect(() => parseCertificateBundle(a.certPem, a.keyPem, new Date(Date.now() + 20 * 86_400_000))).toThrow(/expired/);
  });

  it('matches wildcards to one label only', () => {
    expect(covers(['*.apps.test'], 'shop.apps.test')).toBe(true);
    expect(covers(['*.apps.test'], 'a.shop.apps.test')).toBe(false);
    expect(covers(['*.apps.test'], 'apps.test')).toBe(false);
    expect(covers(['www.shop.test'], 'WWW.shop.test')).toBe(true);
  });

  it("prefers the app's own certificate, then its domain's ACME one, then the wildcard — never another app's", () => {
    const domains = [
      { id: 'd1', appId: 'app-a', hostname: 'www.shop.test' },
      { id: 'd2', appId: 'app-a', hostname: 'api.shop.test' },
      { id: 'd3', appId: 'app-b', hostname: 'b.shop.test' },
      { id: 'd4', appId: 'app-c', hostname: 'c.apps.test' },
    ];
    const uploaded = row({ appId: 'app-a' }, { hostnames: ['*.shop.test'] });
    const acme = row({ source: 'acme', domainId: 'd2' }, { hostnames: ['api.shop.test'] });
    const expired = row({ appId: 'app-b', notAfter: new Date(Date.now() - 1000) }, { hostnames: ['b.shop.test'] });
    const chosen = chooseCertificates(domains, [acme, uploaded, expired], { hostnames: ['*.apps.test'], chainPem: 'w', keyPem: 'k' });
    expect(chosen.map((c) => [c.cert === 'wildcard' ? 'wildcard' : c.cert === uploaded ? 'uploaded' : 'acme', c.hostnames])).toEqual([
      ['uploaded', ['www.shop.test', 'api.shop.test']],
      ['wildcard', ['c.apps.test']],
    ]);
    // b.shop.test is covered by app A's wildcard upload, but belongs to app B: it gets nothing
    expect(chosen.flatMap((c) => c.hostnames)).not.toContain('b.shop.test');
  });
});
