// JobQueue port: hand work to the worker. Promises: a job is stored durably before enqueue()
// resolves; payloads are ids only (see queue/queues.ts); a deploy job id may be given so repeated
// requests for the same work collapse into one.
// Leaves out: processing (worker/), scheduling of repeatable jobs (worker composition root).
import type { BillingJob, BuildJob, DeployJob, DomainJob, OneOffJob } from '../queue/queues.js';

export interface JobQueue {
  build(job: BuildJob): Promise<void>;
  deploy(job: DeployJob): Promise<void>;
  billing(job: BillingJob, opts?: { jobId?: string }): Promise<void>;
  domains(job: DomainJob): Promise<void>;
  oneOff(job: OneOffJob): Promise<void>;
}
