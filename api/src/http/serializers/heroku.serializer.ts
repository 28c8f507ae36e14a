// JSON shapes of the Heroku Platform API v3 (plus Slipway fields: organization, plan, status).
// Every field a command of Heroku's CLI reads is present (its source is the spec); fields for
// things Slipway does not have (spaces, pipelines, ACM) carry Heroku's "none" values.
import type { AppSummary } from '@slipway/core/repositories/app.repository';
import type { BuildRow, FormationRow, PlanRow, ReleaseRow, SshKeyRow, UserRow } from '@slipway/core/repositories/types';
import type { DomainDetails } from '../../services/domains.service.js';
import type { SniEndpoint } from '../../services/sni-endpoints.service.js';
import type { DynoView } from '../../services/dynos.service.js';
import { gitSshUrl, gitUrl, webUrl, type UrlConfig } from './urls.js';

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);
const isoOf = (d: Date) => new Date(d).toISOString();
const ref = (app: { id: string; name: string }) => ({ id: app.id, name: app.name });

/** Slipway runs one region: the machine or swarm it is installed on. */
export const REGION = { id: '00000000-0000-4000-8000-000000000001', name: 'local' } as const;
/** Classic buildpacks on the slipway-1 stack: Heroku's "cedar" generation. */
export const GENERATION = { id: '00000000-0000-4000-8000-000000000002', name: 'cedar' } as const;

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
  const team = { id: a.orgId, name: a.orgName };
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
    organization: team,
    // Heroku: personal apps have no team; a team's apps name it
    team: a.orgPersonal ? null : team,
    region: REGION,
    stack,
    build_stack: stack,
    generation: GENERATION,
    buildpacks: a.buildpacks,
    buildpack_provided_description: null,
    health_check_path: a.healthCheckPath,
    https_redirect: a.httpsRedirect,
    plan: plan ? planJson(plan) : ({ id: a.planId } as Partial<ReturnType<typeof planJson>> & { id: string }),
    process_tier: plan?.name ?? null,
    role: a.role,
    current_release: a.currentVersion,
    repo_size: a.repoSize,
    slug_size: a.slugSize,
    acm: false,
    create_status: 'complete',
    internal_routing: null,
    locked: false,
    space: null,
    archived_at: null,
    released_at: iso(a.releasedAt),
    created_at: iso(a.createdAt),
    updated_at: iso(a.updatedAt),
  };
}

/** outputUrl: where the release phase's output streams (when the release has a release command). */
export function releaseJson(app: { id: string; name: string }, r: ReleaseRow, outputUrl: string | null = null) {
  return {
    id: r.id,
    version: r.version,
    description: r.description,
    status: r.status,
    current: r.current,
    // Heroku: a release with code that was deployed can be rolled back to (config changes included)
    eligible_for_rollback: r.status === 'succeeded' && (r.slugId !== null || r.image !== null),
    app: ref(app),
    slug: r.slugId ? { id: r.slugId } : null,
    image: r.image,
    user: r.userId ? { id: r.userId, email: r.userEmail } : null,
    addon_plan_names: [],
    artifacts: r.slugId ? [{ type: 'slug', id: r.slugId }] : [],
    output_stream_url: outputUrl,
    created_at: iso(r.createdAt),
    updated_at: iso(r.updatedAt),
  };
}

/** planName: the size the type runs on (its own plan, else the app's). */
export function formationJson(app: { id: string; name: string }, f: FormationRow, planName: string) {
  return {
    id: f.id,
    app: ref(app),
    type: f.type,
    quantity: f.quantity,
    command: f.command,
    size: planName,
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

export function dynoJson(app: { id: string; name: string }, d: DynoView, attachUrl: string | null = null) {
  const since = d.since ?? new Date().toISOString();
  return {
    id: d.id,
    app: ref(app),
    name: d.name,
    type: d.type,
    state: d.state,
    command: d.command,
    size: d.size,
    attach_url: attachUrl,
    release: { version: d.releaseVersion },
    restarts: d.restarts,
    created_at: since,
    updated_at: since,
  };
}

export function accountJson(u: UserRow) {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    admin: u.isAdmin,
    // Heroku account fields Slipway has no counterpart for, with Heroku's "none" values
    two_factor_authentication: false,
    federated: false,
    verified: true,
    beta: false,
    allow_tracking: false,
    default_organization: null,
    default_team: null,
    delinquent_at: null,
    suspended_at: null,
    identity_provider: null,
    last_login: iso(u.lastLoginAt),
    created_at: iso(u.createdAt),
    updated_at: iso(u.updatedAt),
  };
}

export function keyJson(k: SshKeyRow, email?: string) {
  return { id: k.id, fingerprint: k.fingerprint, public_key: k.publicKey, comment: k.comment, email: email ?? null, created_at: iso(k.createdAt), updated_at: iso(k.updatedAt) };
}
