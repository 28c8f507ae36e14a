// One object with every repository bound to a connection (the pool, or a transaction's client).
import type { Pool, PoolClient, Queryable } from '../db/pool.js';
import { withTransaction } from '../db/pool.js';
import { AppRepository } from './app.repository.js';
import { DomainRepository } from './domain.repository.js';
import { AcmeAccountRepository, CertificateRepository } from './certificate.repository.js';
import { AppUidRepository } from './app-uid.repository.js';
import { ConfigVarRepository } from './config-var.repository.js';
import { SshKeyRepository, TokenRepository } from './credential.repository.js';
import { FormationRepository } from './formation.repository.js';
import { NodeRepository } from './node.repository.js';
import { ActivityRepository, PlanRepository, SettingsRepository } from './misc.repository.js';
import { BuildRepository, ReleaseRepository, SlugRepository } from './release.repository.js';
import { OrgRepository, UserRepository } from './user.repository.js';
import { OneOffRepository } from './one-off.repository.js';
import { OriginScope } from './origin-scope.js';
import { WalletRepository } from './wallet.repository.js';
import { BillingRepository } from './billing.repository.js';
import { SuspensionRepository } from './suspension.repository.js';

export function createRepositories(db: Queryable, origin: OriginScope = new OriginScope()) {
  return {
    users: new UserRepository(db),
    orgs: new OrgRepository(db),
    tokens: new TokenRepository(db),
    sshKeys: new SshKeyRepository(db),
    plans: new PlanRepository(db),
    apps: new AppRepository(db),
    domains: new DomainRepository(db),
    certificates: new CertificateRepository(db),
    acmeAccounts: new AcmeAccountRepository(db),
    configVars: new ConfigVarRepository(db),
    releases: new ReleaseRepository(db),
    slugs: new SlugRepository(db),
    builds: new BuildRepository(db),
    formation: new FormationRepository(db),
    oneOffs: new OneOffRepository(db),
    settings: new SettingsRepository(db),
    activity: new ActivityRepository(db, origin),
    nodes: new NodeRepository(db),
    wallets: new WalletRepository(db),
    billing: new BillingRepository(db),
    suspensions: new SuspensionRepository(db),
    appUids: new AppUidRepository(db),
  };
}

export type Repositories = ReturnType<typeof createRepositories>;

/** Repositories on the pool, plus transactions that hand out repositories bound to one client. */
export class Store {
  readonly repos: Repositories;
  /** The request being served (its client address goes into activity entries). */
  readonly origin = new OriginScope();
  constructor(readonly pool: Pool) {
    this.repos = createRepositories(pool, this.origin);
  }
  transaction<T>(fn: (repos: Repositories, client: PoolClient) => Promise<T>): Promise<T> {
    return withTransaction(this.pool, (client) => fn(createRepositories(client, this.origin), client));
  }
}
