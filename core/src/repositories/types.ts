// Row types returned by repositories (camelCase, as services see them).

export type Role = 'owner' | 'admin' | 'member' | 'viewer';
export const ROLES: readonly Role[] = ['owner', 'admin', 'member', 'viewer'];

export interface UserRow {
  id: string;
  email: string;
  name: string | null;
  passwordHash: string | null;
  isAdmin: boolean;
  lastLoginAt: Date | null;
  /** Set while an administrator has disabled the account: no sign-in, every token refused. */
  disabledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface OrgRow {
  id: string;
  name: string;
  personal: boolean;
  /** Usage metered, never charged (issue 15; set by a platform admin). */
  unbilled: boolean;
  /** Set on a deleted organization's tombstone (its name is then `deletedName`). */
  deletedAt?: Date | null;
  deletedName?: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface OrgWithRole extends OrgRow {
  role: Role;
}

export interface MemberRow {
  userId: string;
  email: string;
  name: string | null;
  role: Role;
  createdAt: Date;
}

export interface TokenRow {
  id: string;
  userId: string;
  kind: 'api' | 'session' | 'oauth';
  description: string;
  /** The token's last characters (for Heroku's redacted listing); null for older tokens. */
  tokenHint?: string | null;
  scopes: string[];
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  createdAt: Date;
}

export interface SshKeyRow {
  id: string;
  userId: string;
  fingerprint: string;
  publicKey: string;
  comment: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface PlanRow {
  id: string;
  name: string;
  cpu: number;
  ramMb: number;
  diskGb: number;
  pricePerHour: number;
  maxReplicas: number;
  /** Swarm placement constraints for the plan's apps (migration 0070). */
  placementConstraints?: string[];
  active: boolean;
  isDefault: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export type AppStatus = 'new' | 'deploying' | 'running' | 'crashed' | 'stopped' | 'suspended' | 'failed';

export interface AppRow {
  id: string;
  orgId: string;
  name: string;
  planId: string;
  source: 'git' | 'image';
  image: string | null;
  buildpacks: string[];
  healthCheckPath: string | null;
  maintenance: boolean;
  /** Redirect HTTP to HTTPS where a certificate exists; null: the platform default. */
  httpsRedirect: boolean | null;
  status: AppStatus;
  stack: string;
  repoSize: number | null;
  createdBy: string | null;
  releasedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** An app as seen by one user: with the caller's role in its organization. */
export interface AppAccess extends AppRow {
  role: Role;
}

export type BuildStatus = 'pending' | 'building' | 'succeeded' | 'failed';

export interface BuildRow {
  id: string;
  appId: string;
  status: BuildStatus;
  commit: string | null;
  ref: string | null;
  sourceKey: string | null;
  buildpack: string | null;
  error: string | null;
  stages: Record<string, number>;
  logKey: string | null;
  userId: string | null;
  releaseId: string | null;
  /** How many times a worker started this build (each run is an attempt; only the newest counts). */
  attempt: number;
  /** When the current attempt claimed the release (from then on only that attempt ends the build). */
  releasingAt: Date | null;
  deadlineAt: Date | null;
  startedAt: Date | null;
  finishedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface SlugRow {
  id: string;
  appId: string;
  buildId: string | null;
  objectKey: string;
  size: number;
  sha256: string;
  processTypes: Record<string, string>;
  stack: string;
  buildpack: string | null;
  commit: string | null;
  createdAt: Date;
}

export type ReleaseStatus = 'pending' | 'succeeded' | 'failed';

export interface ReleaseRow {
  id: string;
  appId: string;
  version: number;
  slugId: string | null;
  image: string | null;
  config: Buffer;
  description: string;
  userId: string | null;
  userEmail: string | null;
  status: ReleaseStatus;
  current: boolean;
  /** Its slug has a `release:` process type, so the release phase's output is kept. */
  releasePhase: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface FormationRow {
  id: string;
  appId: string;
  type: string;
  quantity: number;
  command: string;
  /** The type's own size; null: it runs on the app's plan. */
  planId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type DnsStatus = 'pending' | 'verified' | 'failed';
/** none: no certificate wanted; waiting: for DNS verification; pending: to be ordered; issued;
 *  failing: the last order failed, another follows; failed: no more automatic orders. */
export type TlsStatus = 'none' | 'waiting' | 'pending' | 'issued' | 'failing' | 'failed';

export interface DomainRow {
  id: string;
  appId: string;
  hostname: string;
  kind: 'default' | 'custom';
  verificationToken: string | null;
  dnsStatus: DnsStatus;
  tlsStatus: TlsStatus;
  verificationMessage: string | null;
  verifiedAt: Date | null;
  dnsChecks: number;
  dnsChecksSince: Date;
  nextDnsCheckAt: Date | null;
  tlsMessage: string | null;
  tlsAttempts: number;
  nextTlsAttemptAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A domain as listed to its app's users: with its certificate, if one is stored for it. */
export interface DomainView extends DomainRow {
  certNotAfter: Date | null;
  certIssuer: string | null;
}

export interface CertificateRow {
  id: string;
  orgId: string | null;
  appId: string | null;
  domainId: string | null;
  purpose: 'app' | 'api';
  source: 'acme' | 'uploaded';
  name: string;
  hostnames: string[];
  certPem: string;
  keySealed: Buffer;
  issuer: string;
  subject: string;
  notBefore: Date;
  notAfter: Date;
  createdAt: Date;
  updatedAt: Date;
}

export interface ActivityRow {
  id: number;
  orgId: string | null;
  appId: string | null;
  userId: string | null;
  userEmail: string | null;
  action: string;
  details: Record<string, unknown>;
  /** The client address of the request that caused it (null: the platform itself). */
  ip: string | null;
  createdAt: Date;
}
