// Custom domains after they are added: DNS verification (on add, on demand, then on a backoff
// schedule for 72 hours), ACME certificates for verified hostnames (and renewal before expiry),
// the api's own ACME certificate when asked for, and the edge's certificate set (the local nginx
// edge's, or the swarm edge's, which the api renders for the edge tasks). Every outcome a
// user should see is written to the domain row (status + message, the CA's own words on failure).
// Runs in the worker's `domains` queue (one job at a time per worker); the database decides races
// (only one row per hostname can be verified; a certificate is stored only while its domain is
// still verified). Leaves out: adding and removing domains (api), routing (deploy jobs), DNS-01.
import type { Config } from '@slipway/core/config/config';
import type { SecretBox } from '@slipway/core/crypto';
import { isUniqueViolation } from '@slipway/core/db/pool';
import { covers, parseCombinedPem } from '@slipway/core/domain/certificate-pem';
import type { Logger } from '@slipway/core/logger';
import { AcmeError, type CertificateAuthority } from '@slipway/core/ports/acme.port';
import type { DnsLookup } from '@slipway/core/ports/dns.port';
import type { Edge, EdgeCertificate } from '@slipway/core/ports/edge.port';
import type { JobQueue } from '@slipway/core/ports/job-queue.port';
import type { Store } from '@slipway/core/repositories/index';
import type { DomainWork } from '@slipway/core/repositories/domain.repository';
import { CertificateVault } from '@slipway/core/services/domains/certificate-vault';
import { chooseCertificates, type Wildcard } from '@slipway/core/services/domains/edge-certificates';
import { challengeName, judgeTarget, judgeTxt, nextCheckAt, nextTlsAttemptAt } from '@slipway/core/services/domains/verification';
import type { Settings } from '@slipway/core/settings/settings.service';
import * as S from '@slipway/core/settings/domains.settings';

export interface DomainUpkeepDeps {
  config: Config;
  store: Store;
  settings: Settings;
  box: SecretBox;
  dns: DnsLookup;
  ca: CertificateAuthority;
  jobs: JobQueue;
  /** Where the edge's certificates go: the local nginx edge, or the swarm edge's set in Redis. */
  edge: Pick<Edge, 'setCertificates'> | null;
  log: Logger;
  now?: () => Date;
}

const DAY_MS = 86_400_000;

export class DomainUpkeep {
  private readonly vault: CertificateVault;
  private readonly now: () => Date;

  constructor(private readonly deps: DomainUpkeepDeps) {
    this.vault = new CertificateVault(deps.box);
    this.now = deps.now ?? (() => new Date());
  }

  /** The scheduled sweep: due DNS checks, due certificate orders and renewals, then the edge. */
  async sweep(): Promise<void> {
    const { repos } = this.deps.store;
    for (const id of await repos.domains.dueForCheck(50)) await this.verify(id);
    const renewBefore = new Date(this.now().getTime() + (await this.deps.settings.get(S.renewDaysBeforeExpiry)) * DAY_MS);
    const withDefault = await this.wantsDefaultCerts();
    const due = new Set(await repos.domains.dueForCertificate(10, withDefault));
    for (const c of await repos.certificates.acmeExpiringBefore(renewBefore, 10)) if (c.domainId) due.add(c.domainId);
    for (const id of due) await this.order(id, withDefault);
    await this.apiCertificate(renewBefore);
    await this.syncEdge();
  }

  /** One domain now (on add, on demand): verify it if pending, order its certificate if due. */
  async check(domainId: string): Promise<void> {
    await this.verify(domainId);
    const d = await this.deps.store.repos.domains.findWork(domainId);
    if (d && d.dnsStatus === 'verified' && ['pending', 'failing'].includes(d.tlsStatus) && (!d.nextTlsAttemptAt || d.nextTlsAttemptAt <= this.now())) {
      await this.order(domainId, false);
    }
    await this.syncEdge();
  }

  /** Give the edge the certificate of every verified hostname that has one. */
  async syncEdge(): Promise<void> {
    if (!this.deps.edge) return;
    const { repos } = this.deps.store;
    const wildcard = await this.wildcard();
    const chosen = chooseCertificates(await repos.domains.listVerified(), await repos.certificates.forEdge(), wildcard, this.now());
    const certs: EdgeCertificate[] = chosen.map((c) =>
      c.cert === 'wildcard'
        ? { hostnames: c.hostnames, certPem: wildcard!.chainPem, keyPem: wildcard!.keyPem }
        : { hostnames: c.hostnames, certPem: c.cert.certPem, keyPem: this.vault.key(c.cert) },
    );
    await this.deps.edge.setCertificates(certs);
  }

  private async verify(domainId: string): Promise<void> {
    const { repos } = this.deps.store;
    const d = await repos.domains.findWork(domainId);
    if (!d || d.kind !== 'custom' || d.dnsStatus !== 'pending' || !d.verificationToken) return;
    const resolvers = await this.resolvers();
    const now = this.now();
    const txt = await this.deps.dns.txt(challengeName(d.hostname), resolvers);
    const judged = judgeTxt(d.hostname, txt, d.verificationToken);
    const again = nextCheckAt(d.dnsChecks, d.dnsChecksSince, now);
    if (!judged.verified) {
      await repos.domains.recordUnverified(d.id, this.finalWords(judged.message, again), again);
      this.deps.log.info({ domainId: d.id, hostname: d.hostname, next: again }, 'domain not verified yet');
      return;
    }
    const held = `${d.hostname} is already verified by another app; it must be removed there first.`;
    const holder = await repos.domains.verifiedHolder(d.hostname);
    if (holder && holder.appId !== d.appId) {
      await repos.domains.recordUnverified(d.id, this.finalWords(held, again), again);
      return;
    }
    const target = await this.target(d);
    const where = judgeTarget(d.hostname, await this.deps.dns.cname(d.hostname, resolvers), await this.deps.dns.a(d.hostname, resolvers), target);
    try {
      if (!(await repos.domains.markVerified(d.id, `${judged.message} ${where.message}`))) return;
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      await repos.domains.recordUnverified(d.id, this.finalWords(held, again), again);
      return;
    }
    await repos.activity.record({ orgId: d.orgId, appId: d.appId, action: 'domain.verified', details: { hostname: d.hostname } });
    this.deps.log.info({ domainId: d.id, hostname: d.hostname }, 'domain verified');
    await this.deps.jobs.deploy({ kind: 'routing', appId: d.appId });
  }

  private finalWords(message: string, again: Date | null): string {
    return again ? message : `${message} Gave up after 72 hours of checks; fix the record, then verify again.`;
  }

  /** Orders (or renews) the ACME certificate of one verified domain (a default domain only while
   *  per-host ACME is on for the platform domain). */
  private async order(domainId: string, withDefault: boolean): Promise<void> {
    const { repos } = this.deps.store;
    const d = await repos.domains.findWork(domainId);
    if (!d || d.dnsStatus !== 'verified' || (d.kind === 'default' && !withDefault)) return;
    const renewal = (await repos.certificates.forDomain(d.id)) !== null;
    if (!renewal) await repos.domains.recordTls(d.id, { status: 'pending', message: null, nextAttemptAt: d.nextTlsAttemptAt });
    try {
      const issued = await this.acme([d.hostname]);
      const row = this.vault.row({ orgId: d.orgId, appId: d.appId, domainId: d.id, purpose: 'app', source: 'acme', chainPem: issued.chainPem, keyPem: issued.keyPem });
      const stored = await this.deps.store.transaction(async (tx) => {
        const still = await tx.domains.findWork(d.id);
        if (!still || still.dnsStatus !== 'verified' || still.appId !== d.appId) return false; // removed meanwhile
        await tx.certificates.replaceAcme(row);
        await tx.domains.recordTls(d.id, { status: 'issued', message: null, attempts: 0, nextAttemptAt: null });
        await tx.activity.record({ orgId: d.orgId, appId: d.appId, action: renewal ? 'certificate.renewed' : 'certificate.issued', details: { hostname: d.hostname, expires: row.notAfter.toISOString() } });
        return true;
      });
      if (stored) this.deps.log.info({ domainId: d.id, hostname: d.hostname, expires: row.notAfter, renewal }, 'certificate issued');
    } catch (err) {
      if (!(err instanceof AcmeError)) throw err;
      const attempts = d.tlsAttempts + 1;
      const next = nextTlsAttemptAt(attempts, this.now());
      const message = `The certificate order failed${renewal ? ' (the current certificate keeps serving)' : ''}: ${err.message}`;
      await repos.domains.recordTls(d.id, { status: next ? 'failing' : 'failed', message: next ? message : `${message} Gave up after ${attempts} attempts; verify again to retry.`, attempts, nextAttemptAt: next });
      this.deps.log.warn({ domainId: d.id, hostname: d.hostname, attempts, err: err.message }, 'certificate order failed');
    }
  }

  /** The api's own hostname, when the operator asked for ACME and gave no certificate. */
  private async apiCertificate(renewBefore: Date): Promise<void> {
    const { settings, store, config } = this.deps;
    if (!config.api.tlsPort || !(await settings.get(S.apiAcme)) || (await settings.get(S.apiTlsPem))) return;
    const host = new URL(config.api.publicUrl).hostname;
    const current = await store.repos.certificates.forApi();
    if (current && current.source === 'acme' && current.notAfter > renewBefore && covers(current.hostnames, host)) return;
    try {
      const issued = await this.acme([host]);
      await store.repos.certificates.replaceAcme(this.vault.row({ orgId: null, appId: null, domainId: null, purpose: 'api', source: 'acme', chainPem: issued.chainPem, keyPem: issued.keyPem }));
      this.deps.log.info({ host }, "certificate issued for the api's hostname");
    } catch (err) {
      if (!(err instanceof AcmeError)) throw err;
      this.deps.log.warn({ host, err: err.message }, "certificate order for the api's hostname failed; the api keeps its current certificate");
    }
  }

  private async acme(hostnames: string[]) {
    const { settings } = this.deps;
    const directoryUrl = await settings.get(S.acmeDirectoryUrl);
    const email = await settings.get(S.acmeEmail);
    const account = await this.account(directoryUrl, email);
    const issued = await this.deps.ca.order({ directoryUrl, email, accountKeyPem: account.key, accountUrl: account.url, hostnames });
    if (issued.accountUrl !== account.url) await this.deps.store.repos.acmeAccounts.setAccountUrl(directoryUrl, issued.accountUrl);
    return issued;
  }

  /** The platform's ACME account for a directory: its key is created (and stored sealed) on first use. */
  private async account(directoryUrl: string, email: string): Promise<{ key: string; url: string | null }> {
    const { repos } = this.deps.store;
    const aad = `acme-account:${directoryUrl}`;
    let row = await repos.acmeAccounts.find(directoryUrl);
    if (!row) {
      const keySealed = this.deps.box.seal('platform', await this.deps.ca.createAccountKey(), aad);
      row = await repos.acmeAccounts.insertIfAbsent({ directoryUrl, email: email || null, keySealed, accountUrl: null });
    }
    return { key: this.deps.box.openString('platform', row.keySealed, aad), url: row.accountUrl };
  }

  private async resolvers(): Promise<string[]> {
    return (await this.deps.settings.get(S.dnsResolver)).split(',').map((s) => s.trim()).filter(Boolean);
  }

  private async target(d: DomainWork): Promise<{ cname: string; ipv4: string[] }> {
    const ipv4 = (await this.deps.settings.get(S.edgePublicIpv4)).split(',').map((s) => s.trim()).filter(Boolean);
    return { cname: `${d.appName}.${this.deps.config.domain}`, ipv4 };
  }

  private async wildcard(): Promise<Wildcard | null> {
    const pem = await this.deps.settings.get(S.platformWildcardPem);
    if (!pem) return null;
    try {
      const p = parseCombinedPem(pem, this.now());
      return { hostnames: p.facts.hostnames, chainPem: p.chainPem, keyPem: p.keyPem };
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message }, 'the platform wildcard certificate cannot be used');
      return null;
    }
  }

  /** Default domains get ACME certificates when asked for and no wildcard covers them. */
  private async wantsDefaultCerts(): Promise<boolean> {
    if (!(await this.deps.settings.get(S.platformDomainAcme))) return false;
    const w = await this.wildcard();
    return !(w && covers(w.hostnames, `x.${this.deps.config.domain}`));
  }
}
