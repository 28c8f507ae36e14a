// Node state changes as the swarm manager announces them (Engine API events of type "node"), so the
// heartbeat can check at once instead of at its next tick: a node whose engine stopped counts its
// first missed beat as soon as the swarm sees it down, and is `down` one beat later.
// Promises: onChange() runs for every node event that carries a new state; a broken or ended
// stream is opened again after a pause until stop().
// Leaves out: deciding what a change means (NodeHealth), the figures.
import type Docker from 'dockerode';
import type { Logger } from '@slipway/core/logger';

const REOPEN_MS = 5_000;

export class NodeEvents {
  private stream: NodeJS.ReadableStream | null = null;
  private stopped = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly deps: { docker: Docker; log: Logger; onChange: (node: string, state: string) => void }) {}

  start(): void {
    this.stopped = false;
    void this.open();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const s = this.stream as (NodeJS.ReadableStream & { destroy?: () => void }) | null;
    s?.destroy?.();
    this.stream = null;
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    try {
      const stream = await this.deps.docker.getEvents({ filters: JSON.stringify({ type: ['node'] }) });
      if (this.stopped) return void (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
      this.stream = stream;
      let buf = '';
      stream.on('data', (chunk: Buffer) => {
        buf += chunk.toString('utf8');
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i).trim();
          buf = buf.slice(i + 1);
          if (line) this.handle(line);
        }
      });
      stream.on('error', (err: Error) => this.reopen(err.message));
      stream.on('end', () => this.reopen('the event stream ended'));
    } catch (err) {
      this.reopen((err as Error).message);
    }
  }

  private handle(line: string): void {
    let ev: { Type?: string; Actor?: { ID?: string; Attributes?: Record<string, string> } };
    try {
      ev = JSON.parse(line);
    } catch {
      return; // not an event line
    }
    const state = ev.Actor?.Attributes?.['state.new'];
    if (ev.Type === 'node' && state) this.deps.onChange(ev.Actor?.ID ?? '', state);
  }

  private reopen(why: string): void {
    if (this.stopped || this.timer) return;
    this.stream = null;
    this.deps.log.warn({ why }, 'swarm node events: reopening the stream');
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.open();
    }, REOPEN_MS);
  }
}
