// A node's provisioning log as it is written: lines are buffered and stored in order (node_log)
// at least every 300 ms and at every step, so the admin console can follow them while they happen.
// Promises: lines are stored in the order they were written; flush() waits for everything so far.
// Leaves out: reading (the api's node log endpoints).
import type { NodeLogLine, NodeRepository } from '@slipway/core/repositories/node.repository';

type Line = { step: string; stream: NodeLogLine['stream']; line: string };

export class NodeLog {
  private buffer: Line[] = [];
  private readonly recent: string[] = [];
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly repo: NodeRepository, private readonly nodeId: string) {}

  step(step: string, title: string): void {
    this.push({ step, stream: 'step', line: title });
    void this.flush();
  }

  cmd(step: string, display: string): void {
    this.push({ step, stream: 'cmd', line: `$ ${display}` });
  }

  out(step: string, line: string): void {
    this.push({ step, stream: 'out', line });
  }

  error(step: string, line: string): void {
    this.push({ step, stream: 'error', line });
  }

  /** The last lines written (for a failure's detail). */
  tail(n: number): string[] {
    return this.recent.slice(-n);
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const lines = this.buffer;
    this.buffer = [];
    this.chain = this.chain.then(() => this.repo.appendLog(this.nodeId, lines));
    return this.chain;
  }

  private push(l: Line): void {
    this.buffer.push(l);
    if (l.stream !== 'step') this.recent.push(l.line);
    if (this.recent.length > 50) this.recent.shift();
    if (!this.timer) this.timer = setTimeout(() => void this.flush().catch(() => undefined), 300);
  }
}
