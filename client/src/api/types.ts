// JSON shapes the api returns: the server's own serializers' return types
// (api/src/http/serializers/index.ts), imported type-only, so the dashboard cannot drift from them.
// What a mapping leaves loose (the nodes' facts and stats) is typed here.
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

// Nodes (api/src/http/routes/admin-nodes.routes.ts): the router's own mapping, with what it leaves
// loose (dates become strings on the wire; facts and stats are JSON the worker writes) typed here.
export type NodeStatus = 'pending' | 'awaiting_host_key' | 'provisioning' | 'ready' | 'failed' | 'untrusted' | 'down' | 'draining' | 'drained' | 'removing';

export type NodeJson = Omit<S.NodeJson, 'status' | 'facts' | 'stats' | 'last_heartbeat_at' | 'created_at' | 'updated_at'> & {
  status: NodeStatus;
  last_heartbeat_at: string | null;
  facts: { kernel?: string; arch?: string; prettyName?: string; cpus?: number; memoryMb?: number; diskFreeGb?: number; docker?: string };
  stats: { cpuPercent?: number; load1?: number; memUsedMb?: number; memTotalMb?: number; diskUsedMb?: number; diskTotalMb?: number; tasks?: number; at?: string; error?: string };
  created_at: string;
  updated_at: string;
};

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
