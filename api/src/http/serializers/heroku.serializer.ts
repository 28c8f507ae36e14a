// JSON shapes of the Heroku Platform API v3 (plus Slipway fields: organization, plan, status).
import type { AppSummary } from '@slipway/core/repositories/app.repository';
import type { BuildRow, FormationRow, PlanRow, ReleaseRow, SshKeyRow, UserRow } from '@slipway/core/repositories/types';
import type { DomainDetails } from '../../services/domains.service.js';
import type { SniEndpoint } from '../../services/sni-endpoints.service.js';
import type { DynoStatus } from '@slipway/core/ports/runtime.port';
import { gitSshUrl, gitUrl, webUrl, type UrlConfig } from './urls.js';

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);
const isoOf = (d: Date) => new Date(d).toISOString();
const ref = (app: { id: string; name: string }) => ({ id: app.id, name: app.name });

export function planJson(p: PlanRow) {
  return {
    id: p.id,
    name: p.name,
    cpu: p.cpu,
    ram_mb: p.ramMb,
    disk_gb: p.diskGb,
    price_per_hour: p.pricePerHour,
    price_per_month: p.pricePerHour * 730,
    max_replicas: p.maxReplicas,
    active: p.active,
    default: p.isDefault,
    created_at: iso(p.createdAt),
    updated_at: iso(p.updatedAt),
  };
}

export function appJson(u: UrlConfig, a: AppSummary, plan?: PlanRow) {
  const stack = { id: a.stack, name: a.stack };
  return {
    id: a.id,
    name: a.name,
    web_url: webUrl(u, a.name),
    git_url: gitUrl(u, a.name),
    git_ssh_url: gitSshUrl(u, a.name),
    maintenance: a.maintenance,
    status: a.status,
    suspension: a.status === 'suspended' && a.suspensionReasons?.length ? { reasons: a.suspensionReasons, since: iso(a.suspendedSince) } : null,
    owner: { id: a.createdBy, email: a.ownerEmail },
    organization: { id: a.orgId, name: a.orgName },
    team: { id: a.orgId, name: a.orgName },
    region: { id: 'local', name: 'local' },
    stack,
    build_stack: stack,
    buildpacks: a.buildpacks,
    health_check_path: a.healthCheckPath,
    https_redirect: a.httpsRedirect,
    plan: plan ? planJson(plan) : ({ id: a.planId } as Partial<ReturnType<typeof planJson>> & { id: string }),
    role: a.role,
    current_release: a.currentVersion,
    repo_size: a.repoSize,
    slug_size: a.slugSize,
    archived_at: null,
    released_at: iso(a.releasedAt),
    created_at: iso(a.createdAt),
    updated_at: iso(a.updatedAt),
  };
}

export function releaseJson(app: { id: string; name: string }, r: ReleaseRow) {
  return {
    id: r.id,
    version: r.version,
    description: r.description,
    status: r.status,
    current: r.current,
    app: ref(app),
    slug: r.slugId ? { id: r.slugId } : null,
    image: r.image,
    user: r.userId ? { id: r.userId, email: r.userEmail } : null,
    addon_plan_names: [],
    output_stream_url: null,
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
  };
}

export function formationJson(app: { id: string; name: string }, f: FormationRow, planName?: string) {
  return {
    id: f.id,
    app: ref(app),
    type: f.type,
    quantity: f.quantity,
    command: f.command,
    size: planName ?? 'standard',
    created_at: iso(f.createdAt),
    updated_at: iso(f.updatedAt),
  };
}

const ACM_STATUS: Record<DomainDetails['tlsStatus'], string | null> = {
  none: null,
  waiting: 'waiting',
  pending: 'pending',
  issued: 'cert issued',
  failing: 'failing',
  failed: 'failed',
};

/** Heroku's domain shape (status: pending | succeeded | failed; acm_status and its reason), plus
 *  Slipway's DNS verification: the records to create and what the last check found. */
export function domainJson(u: UrlConfig, app: { id: string; name: string }, d: DomainDetails) {
  return {
    id: d.id,
    app: ref(app),
    hostname: d.hostname,
    kind: d.kind === 'default' ? 'heroku' : 'custom',
    cname: d.kind === 'custom' ? d.target : null,
    status: d.dnsStatus === 'verified' ? 'succeeded' : d.dnsStatus,
    acm_status: ACM_STATUS[d.tlsStatus],
    acm_status_reason: d.tlsMessage,
    sni_endpoint: d.sniEndpoint,
    dns_status: d.dnsStatus,
    tls_status: d.tlsStatus,
    verification: {
      records: d.records,
      message: d.verificationMessage,
      verified_at: iso(d.verifiedAt),
      next_check_at: iso(d.nextDnsCheckAt),
    },
    certificate: d.certificate ? { source: d.certificate.source, issuer: d.certificate.issuer, expires_at: isoOf(d.certificate.expiresAt) } : null,
    created_at: iso(d.createdAt),
    updated_at: iso(d.updatedAt),
  };
}

/** Heroku's sni-endpoint shape (the private key is never returned). */
export function sniEndpointJson(app: { id: string; name: string }, e: SniEndpoint) {
  const c = e.cert;
  const selfSigned = c.issuer === c.subject;
  return {
    id: c.id,
    name: c.name,
    display_name: null,
    certificate_chain: c.certPem,
    cname: null,
    app: ref(app),
    domains: e.domains.map((d) => d.id),
    ssl_cert: {
      id: c.id,
      'ca_signed?': !selfSigned,
      'self_signed?': selfSigned,
      cert_domains: c.hostnames,
      issuer: c.issuer,
      subject: c.subject,
      starts_at: iso(c.notBefore),
      expires_at: iso(c.notAfter),
    },
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
  };
}

export function buildJson(u: UrlConfig, app: { id: string; name: string }, b: BuildRow) {
  return {
    id: b.id,
    app: ref(app),
    status: b.status === 'building' ? 'pending' : b.status,
    stage_status: b.status,
    source_blob: { version: b.commit, ref: b.ref },
    buildpacks: b.buildpack ? [{ url: b.buildpack, name: b.buildpack }] : null,
    release: b.releaseId ? { id: b.releaseId } : null,
    error: b.error,
    stages: b.stages,
    output_stream_url: `${u.apiUrl}/apps/${app.name}/builds/${b.id}/output`,
    user: b.userId ? { id: b.userId } : null,
    started_at: iso(b.startedAt),
    finished_at: iso(b.finishedAt),
    created_at: iso(b.createdAt),
    updated_at: iso(b.updatedAt),
  };
}

export function dynoJson(app: { id: string; name: string }, d: DynoStatus, command?: string) {
  return {
    id: `${app.id}:${d.name}`,
    app: ref(app),
    name: d.name,
    type: d.type,
    state: d.state,
    command: command ?? null,
    release: { version: d.releaseVersion },
    restarts: d.restarts,
    created_at: d.startedAt,
    updated_at: d.startedAt,
  };
}

export function accountJson(u: UserRow) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    admin: u.isAdmin,
    last_login: iso(u.lastLoginAt),
    created_at: iso(u.createdAt),
    updated_at: iso(u.updatedAt),
  };
}

export function keyJson(k: SshKeyRow) {
  return { id: k.id, fingerprint: k.fingerprint, public_key: k.publicKey, comment: k.comment, created_at: iso(k.createdAt), updated_at: iso(k.updatedAt) };
}
