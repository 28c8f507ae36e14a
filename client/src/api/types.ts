// JSON shapes the api returns (api/src/http/serializers/heroku.serializer.ts and the routes).

export type Role = 'owner' | 'admin' | 'member' | 'viewer';
export type AppStatus = 'new' | 'deploying' | 'running' | 'crashed' | 'stopped' | 'suspended' | 'failed';
export type SuspensionReason = 'wallet' | 'admin';

export interface Account {
  id: string;
  email: string;
  name: string | null;
  admin: boolean;
  last_login: string | null;
  created_at: string;
}

export interface Plan {
  id: string;
  name: string;
  cpu: number;
  ram_mb: number;
  disk_gb: number;
  price_per_hour: number;
  price_per_month: number;
  max_replicas: number;
  active: boolean;
  default: boolean;
}

export interface App {
  id: string;
  name: string;
  web_url: string;
  git_url: string;
  git_ssh_url: string;
  maintenance: boolean;
  status: AppStatus;
  /** Set while suspended: why ('wallet': the wallet ran out and its grace period ended; 'admin': a
   *  platform administrator), oldest first, and since when. */
  suspension: { reasons: SuspensionReason[]; since: string | null } | null;
  owner: { id: string | null; email: string | null };
  organization: { id: string; name: string };
  buildpacks: string[];
  health_check_path: string | null;
  /** Redirect HTTP to HTTPS where a certificate exists; null: the platform default. */
  https_redirect: boolean | null;
  plan: Plan | { id: string; name?: undefined };
  role: Role;
  current_release: number | null;
  released_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface Organization {
  id: string;
  name: string;
  personal: boolean;
  role: Role;
  created_at: string;
}

export interface Member {
  user: { id: string; email: string; name: string | null };
  role: Role;
  created_at: string;
}

export interface Release {
  id: string;
  version: number;
  description: string;
  status: 'pending' | 'succeeded' | 'failed';
  current: boolean;
  slug: { id: string } | null;
  image: string | null;
  user: { id: string; email: string | null } | null;
  created_at: string;
}

export interface Formation {
  id: string;
  type: string;
  quantity: number;
  command: string;
  size: string;
}

export interface Dyno {
  id: string;
  name: string;
  type: string;
  state: 'starting' | 'up' | 'crashed' | 'stopping' | 'down' | string;
  command: string | null;
  release: { version: number };
  restarts: number;
  created_at: string | null;
}

export interface DnsRecord {
  type: 'TXT' | 'CNAME' | 'A';
  name: string;
  value: string;
  purpose: 'ownership' | 'routing';
}

export interface Domain {
  id: string;
  hostname: string;
  kind: 'heroku' | 'custom';
  cname: string | null;
  /** Heroku's: pending | succeeded | failed */
  status: string;
  dns_status: 'pending' | 'verified' | 'failed';
  tls_status: 'none' | 'waiting' | 'pending' | 'issued' | 'failing' | 'failed';
  acm_status: string | null;
  acm_status_reason: string | null;
  verification: { records: DnsRecord[]; message: string | null; verified_at: string | null; next_check_at: string | null };
  certificate: { source: 'acme' | 'uploaded' | 'wildcard'; issuer: string; expires_at: string } | null;
  created_at: string;
}

export interface Build {
  id: string;
  status: 'pending' | 'succeeded' | 'failed';
  stage_status: 'pending' | 'building' | 'succeeded' | 'failed';
  source_blob: { version: string | null; ref: string | null };
  buildpacks: { url: string; name: string }[] | null;
  release: { id: string } | null;
  error: string | null;
  stages: Record<string, number>;
  output_stream_url: string;
  user: { id: string } | null;
  started_at: string | null;
  finished_at: string | null;
  created_at: string;
}

export interface Activity {
  id: number;
  action: string;
  details: Record<string, unknown>;
  user: { id: string; email: string } | null;
  created_at: string;
}

export interface SshKey {
  id: string;
  fingerprint: string;
  public_key: string;
  comment: string;
  created_at: string;
}

export interface ApiToken {
  id: string;
  description: string;
  kind: 'api' | 'session' | 'oauth';
  last_used_at: string | null;
  expires_at: string | null;
  created_at: string;
}

export interface NewToken {
  id: string;
  description: string;
  token: string;
  created_at: string;
}

// Billing (issue 6: api/src/http/routes/billing.routes.ts).
export interface Wallet {
  balance: number;
  burn_rate_per_hour: number;
  /** null when nothing is running (no burn). */
  hours_left: number | null;
  currency: string;
  low_balance: boolean;
  /** Usage is metered, never charged; never suspended for the wallet. */
  unbilled: boolean;
  /** From the charge that emptied the wallet until a top-up: the apps are stopped after ends_at. */
  grace: { started_at: string; ends_at: string } | null;
  /** Apps suspended now, per reason. */
  suspensions: { reason: SuspensionReason; apps: number; since: string }[];
}

export interface LedgerEntry {
  id: number;
  kind: 'charge' | 'usage' | 'credit' | 'adjustment' | string;
  amount: number;
  balance_after: number | null;
  app_id: string | null;
  app_name: string | null;
  period_start: string | null;
  period_end: string | null;
  hours: number | null;
  description: string | null;
  reference: string | null;
  created_at: string;
}

export interface UsageRow {
  app_id: string;
  app_name: string;
  /** UTC day, YYYY-MM-DD */
  day: string;
  hours: number | null;
  cost: number;
}

export interface BillingNotification {
  id: number | string;
  kind: string;
  message: string;
  created_at: string;
  read_at: string | null;
}
