// What routes are given: the services of the api process and the URL config. Built once in the
// composition root (api/src/main.ts via createApiContext).
import type { Logger } from '@slipway/core/logger';
import type { Store } from '@slipway/core/repositories/index';
import type { AuthService } from '../services/auth.service.js';
import type { UsersService } from '../services/users.service.js';
import type { OrgsService } from '../services/orgs.service.js';
import type { SshKeysService } from '../services/ssh-keys.service.js';
import type { AppsService } from '../services/apps.service.js';
import type { ConfigService } from '../services/config.service.js';
import type { FormationService } from '../services/formation.service.js';
import type { DomainsService } from '../services/domains.service.js';
import type { SniEndpointsService } from '../services/sni-endpoints.service.js';
import type { ReleasesApiService } from '../services/releases-api.service.js';
import type { DynosService } from '../services/dynos.service.js';
import type { CollaboratorsService } from '../services/collaborators.service.js';
import type { OneOffsService } from '../services/one-offs.service.js';
import type { ReleaseOutputs } from '../services/release-outputs.service.js';
import type { BuildsService } from '../services/builds.service.js';
import type { LogSessionsService } from '../services/log-sessions.service.js';
import type { BillingReportsService } from '../services/billing-reports.service.js';
import type { WalletOperationsService } from '../services/wallet-operations.service.js';
import type { AdminService } from '../services/admin.service.js';
import type { PlansAdminService } from '../services/plans-admin.service.js';
import type { AdminUsersService } from '../services/admin-users.service.js';
import type { AdminOrgsService } from '../services/admin-orgs.service.js';
import type { AdminOverviewService } from '../services/admin-overview.service.js';
import type { BillingOverviewService } from '../services/billing-overview.service.js';
import type { NodesAdminService } from '../services/nodes-admin.service.js';
import type { EdgeConfigSource } from './routes/edge-config.routes.js';
import type { UrlConfig } from './serializers/urls.js';
import type { SlugUrls } from '@slipway/core/services/slug-urls';
import type { ObjectStore } from '@slipway/core/ports/object-store.port';

export interface HttpContext {
  slugs: { urls: SlugUrls; objects: ObjectStore };
  log: Logger;
  store: Store;
  urls: UrlConfig;
  clientDir: string | null;
  trustProxy: boolean;
  health: () => Promise<{ ok: boolean; checks: Record<string, boolean> }>;
  /** The swarm edge's configuration source (swarm runtime only). */
  edge?: EdgeConfigSource | null;
  /** ACME HTTP-01 key authorizations by token (the edge proxies /.well-known/acme-challenge/ here). */
  acmeChallenges: { get(token: string): Promise<string | null> };
  services: {
    auth: AuthService;
    users: UsersService;
    orgs: OrgsService;
    sshKeys: SshKeysService;
    apps: AppsService;
    config: ConfigService;
    formation: FormationService;
    domains: DomainsService;
    sniEndpoints: SniEndpointsService;
    releases: ReleasesApiService;
    dynos: DynosService;
    collaborators: CollaboratorsService;
    oneOffs: OneOffsService;
    releaseOutputs: ReleaseOutputs;
    builds: BuildsService;
    logSessions: LogSessionsService;
    billingReports: BillingReportsService;
    walletOperations: WalletOperationsService;
    plansAdmin: PlansAdminService;
    admin: AdminService;
    adminUsers: AdminUsersService;
    adminOrgs: AdminOrgsService;
    adminOverview: AdminOverviewService;
    billingOverview: BillingOverviewService;
    nodes: NodesAdminService;
  };
}
