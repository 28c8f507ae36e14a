// JSON shapes the api returns: the server's own serializers' return types
// (api/src/http/serializers/index.ts), imported type-only, so the dashboard cannot drift from them.
// Only what no serializer expresses yet (the nodes of issue 11, mapped inside their router) is
// written here.
import type * as S from '@slipway/api/http/serializers/index';

export type Role = 'owner' | 'admin' | 'member' | 'viewer';
export type AppStatus = S.AppJson['status'];
export type SuspensionReason = 'wallet' | 'admin';

export type Account = S.AccountJson;
export type Plan = S.PlanJson;
export type AdminPlan = S.AdminPlanJson;
export type App = S.AppJson;
export type Organization = S.OrganizationJson;
export type Member = S.MemberJson;
export type Release = S.ReleaseJson;
export type Formation = S.FormationJson;
export type Dyno = S.DynoJson;
export type Domain = S.DomainJson;
export type Build = S.BuildJson;
export type Activity = S.ActivityJson;
export type SshKey = S.SshKeyJson;
export type ApiToken = S.TokenJson;
export type NewToken = S.NewTokenJson;
export type Wallet = S.WalletJson;
export type LedgerEntry = S.LedgerEntryJson;
export type Resources = S.ResourcesJson;

export type AdminUser = S.AdminUserJson;
export type AdminUserView = S.AdminUserViewJson;
export type AdminOrg = S.AdminOrgJson;
export type AdminOrgView = S.AdminOrgViewJson;
export type AuditEntry = S.AuditJson;
export type Overview = S.OverviewJson;
export type Setting = S.SettingJson;
export type ObjectStoreProbe = S.ObjectStoreProbeJson;
export type DockerProbe = S.DockerProbeJson;
export type BillingRun = S.BillingRunJson;
export type LowWallet = S.LowWalletJson;

export type UsageRow = S.UsageJson;
export type BillingNotification = S.BillingNotificationJson;
/** The billing cursor (GET /api/v1/admin/billing). */
export type BillingState = S.BillingStateJson;

// Nodes (api/src/http/routes/admin-nodes.routes.ts, issue 11): written here until that router's
// JSON mapping moves to a serializer.
export type NodeStatus = 'pending' | 'awaiting_host_key' | 'provisioning' | 'ready' | 'failed' | 'untrusted' | 'down' | 'draining' | 'drained' | 'removing';

export interface NodeJson {
  id: string;
  name: string;
  host: string;
  port: number;
  user: string;
  roles: string[];
  status: NodeStatus;
  status_detail: string | null;
  failed_step: string | null;
  steps: { name: string; title: string; done: boolean }[];
  host_key_fingerprint: string | null;
  seen_host_key: string | null;
  public_key: string;
  key_generated: boolean;
  swarm_node_id: string | null;
  availability: string | null;
  missed_beats: number;
  last_heartbeat_at: string | null;
  facts: { kernel?: string; arch?: string; prettyName?: string; cpus?: number; memoryMb?: number; diskFreeGb?: number; docker?: string };
  stats: { cpuPercent?: number; load1?: number; memUsedMb?: number; memTotalMb?: number; diskUsedMb?: number; diskTotalMb?: number; tasks?: number; at?: string; error?: string };
  created_at: string;
  updated_at: string;
}

export interface NodeLogLine {
  id: number;
  step: string;
  stream: 'step' | 'cmd' | 'out' | 'error';
  line: string;
  at: string;
}

export interface NodeMetrics {
  node_id: string;
  from: string;
  points: { ts: string; cpu_percent: number | null; load1: number | null; mem_used_mb: number | null; mem_total_mb: number | null; disk_used_mb: number | null; disk_total_mb: number | null; tasks: number | null }[];
}
