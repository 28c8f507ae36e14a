// JobQueue on BullMQ. Builds are retried only for infrastructure failures (the processor decides);
// deploy jobs keep a short history for debugging. Queues are created once per process.
import { Queue, type ConnectionOptions } from 'bullmq';
import type { JobQueue } from '../../ports/job-queue.port.js';
import { QUEUE, type BillingJob, type BuildJob, type DeployJob, type DomainJob, type NodeJob, type OneOffJob } from '../../queue/queues.js';

export class BullJobQueue implements JobQueue {
  readonly queues: { build: Queue; deploy: Queue; billing: Queue; domains: Queue; nodes: Queue; dynos: Queue };

  constructor(connection: ConnectionOptions, prefix: string) {
    const opts = { connection, prefix };
    this.queues = {
      build: new Queue(QUEUE.build, opts),
      deploy: new Queue(QUEUE.deploy, opts),
      billing: new Queue(QUEUE.billing, opts),
      domains: new Queue(QUEUE.domains, opts),
      nodes: new Queue(QUEUE.nodes, opts),
      dynos: new Queue(QUEUE.dynos, opts),
    };
  }

  async build(job: BuildJob): Promise<void> {
    await this.queues.build.add('build', job, {
      jobId: job.buildId,
      attempts: 3,
      backoff: { type: 'exponential', delay: 2_000 },
      removeOnComplete: 500,
      removeOnFail: 500,
    });
  }

  async deploy(job: DeployJob): Promise<void> {
    await this.queues.deploy.add(job.kind, job, {
      attempts: 5,
      backoff: { type: 'exponential', delay: 1_000 },
      removeOnComplete: 500,
      removeOnFail: 500,
    });
  }

  async billing(job: BillingJob, opts: { jobId?: string } = {}): Promise<void> {
    await this.queues.billing.add('bill', job, { jobId: opts.jobId, attempts: 5, backoff: { type: 'exponential', delay: 5_000 }, removeOnComplete: 100, removeOnFail: 100 });
  }

  async domains(job: DomainJob): Promise<void> {
    await this.queues.domains.add(job.kind, job, { attempts: 3, backoff: { type: 'exponential', delay: 2_000 }, removeOnComplete: 200, removeOnFail: 200 });
  }

  /** Node work runs once (a failure is recorded on the node; the admin retries). */
  async nodes(job: NodeJob): Promise<void> {
    await this.queues.nodes.add(job.kind, job, { attempts: 1, removeOnComplete: 200, removeOnFail: 200 });
  }

  async oneOff(job: OneOffJob): Promise<void> {
    await this.queues.dynos.add('run', job, { jobId: job.dynoId, attempts: 1, removeOnComplete: 200, removeOnFail: 200 });
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.queues).map((q) => q.close()));
  }
}
