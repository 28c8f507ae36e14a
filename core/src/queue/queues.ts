// Queue names and job payloads shared by api and worker. Payloads carry ids only: never a config
// value, token, key or password (a test checks the payloads after a full CRUD cycle).

export const QUEUE = {
  build: 'build',
  deploy: 'deploy',
  billing: 'billing',
  maintenance: 'maintenance',
  nodes: 'nodes',
  domains: 'domains',
  dynos: 'dynos',
} as const;

export type QueueName = (typeof QUEUE)[keyof typeof QUEUE];

/** Build the pushed source into a slug, make release vN, run the release phase, deploy. */
export interface BuildJob {
  buildId: string;
  appId: string;
}

/** Runtime changes that do not build. One at a time per app. */
export type DeployJob =
  | { kind: 'release'; appId: string; releaseId: string }
  | { kind: 'formation'; appId: string }
  | { kind: 'restart'; appId: string; type?: string }
  | { kind: 'routing'; appId: string }
  | { kind: 'stop'; appId: string }
  | { kind: 'remove'; appId: string; appName: string; orgId: string };

/** Run one-off dyno `dynoId` (a row of one_off_dynos, which holds everything else). The job
 *  lasts as long as the dyno; it is never retried (a one-off must not run twice). */
export interface OneOffJob {
  dynoId: string;
  appId: string;
}

export interface BillingJob {
  /** ISO time; bill every closed hour before it. Default: now. */
  until?: string;
}

export type MaintenanceJob = { kind: 'reap' } | { kind: 'reconcile' };

/** Worker nodes: provision (or resume), drain, remove one node; the heartbeat checks them all. */
export type NodeJob =
  | { kind: 'provision'; nodeId: string }
  | { kind: 'drain'; nodeId: string }
  | { kind: 'activate'; nodeId: string }
  | { kind: 'remove'; nodeId: string }
  | { kind: 'heartbeat' };

/** Domains: verify one now (and order its certificate if due), bring the edge's certificate set
 *  up to date, or the scheduled sweep (due checks, orders and renewals). */
export type DomainJob = { kind: 'check'; domainId: string } | { kind: 'sync' } | { kind: 'sweep' };
