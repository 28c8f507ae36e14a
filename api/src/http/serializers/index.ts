// The JSON the api returns, as types: what each serializer returns. The dashboard imports these
// type-only (client/src/api/types.ts), so its idea of a response is the server's own.
import type { accountJson, appJson, buildJson, domainJson, dynoJson, formationJson, keyJson, planJson, releaseJson } from './heroku.serializer.js';
import type { activityJson, memberJson, newTokenJson, orgJson, tokenJson } from './account.serializer.js';
import type {
  adminOrgJson,
  adminUserJson,
  auditJson,
  billingRunJson,
  dockerProbeJson,
  lowWalletJson,
  orgViewJson,
  overviewJson,
  probeJson,
  settingJson,
  userViewJson,
} from './admin.serializer.js';
import type { billingStateJson, ledgerJson, notificationJson, usageJson, walletJson } from './billing.serializer.js';
import type { adminPlanJson } from '../routes/admin-plans.routes.js';

export type AccountJson = ReturnType<typeof accountJson>;
export type PlanJson = ReturnType<typeof planJson>;
export type AdminPlanJson = ReturnType<typeof adminPlanJson>;
export type AppJson = ReturnType<typeof appJson>;
export type ReleaseJson = ReturnType<typeof releaseJson>;
export type FormationJson = ReturnType<typeof formationJson>;
export type DomainJson = ReturnType<typeof domainJson>;
export type BuildJson = ReturnType<typeof buildJson>;
export type DynoJson = ReturnType<typeof dynoJson>;
export type SshKeyJson = ReturnType<typeof keyJson>;
export type OrganizationJson = ReturnType<typeof orgJson>;
export type MemberJson = ReturnType<typeof memberJson>;
export type TokenJson = ReturnType<typeof tokenJson>;
export type NewTokenJson = ReturnType<typeof newTokenJson>;
export type ActivityJson = ReturnType<typeof activityJson>;
export type WalletJson = ReturnType<typeof walletJson>;
export type LedgerEntryJson = ReturnType<typeof ledgerJson>;
export type UsageJson = ReturnType<typeof usageJson>;
export type BillingNotificationJson = ReturnType<typeof notificationJson>;
export type BillingStateJson = ReturnType<typeof billingStateJson>;
export type ResourcesJson = { plan: PlanJson; formation: FormationJson[] };

export type AdminUserJson = ReturnType<typeof adminUserJson>;
export type AdminUserViewJson = ReturnType<typeof userViewJson>;
export type AdminOrgJson = ReturnType<typeof adminOrgJson>;
export type AdminOrgViewJson = ReturnType<typeof orgViewJson>;
export type AuditJson = ReturnType<typeof auditJson>;
export type OverviewJson = ReturnType<typeof overviewJson>;
export type SettingJson = ReturnType<typeof settingJson>;
export type ObjectStoreProbeJson = ReturnType<typeof probeJson>;
export type DockerProbeJson = ReturnType<typeof dockerProbeJson>;
export type BillingRunJson = ReturnType<typeof billingRunJson>;
export type LowWalletJson = ReturnType<typeof lowWalletJson>;
