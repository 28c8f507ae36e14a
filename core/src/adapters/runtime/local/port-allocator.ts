// Hands out TCP ports for dynos from config.local.portRange: never one this runtime already holds,
// and only one nothing else is bound to right now (checked by binding it briefly).
// Leaves out: reserving a port between the check and the app binding it (a small race by nature).
import net from 'node:net';
import { LimitError } from '../../../errors.js';

export class PortAllocator {
  private readonly held = new Set<number>();
  private cursor: number;

  constructor(private readonly range: [number, number]) {
    this.cursor = range[0] + Math.floor(Math.random() * (range[1] - range[0] + 1));
  }

  async take(): Promise<number> {
    const [lo, hi] = this.range;
    const size = hi - lo + 1;
    for (let i = 0; i < size; i++) {
      const port = lo + ((this.cursor - lo + i) % size);
      if (this.held.has(port)) continue;
      this.held.add(port);
      if (await bindable(port)) {
        this.cursor = port + 1 > hi ? lo : port + 1;
        return port;
      }
      this.held.delete(port);
    }
    throw new LimitError(`no free port left in ${lo}-${hi} for another process`);
  }

  /** Marks a port taken by a process this allocator did not start (an adopted dyno). */
  hold(port: number): void {
    this.held.add(port);
  }

  release(port: number): void {
    this.held.delete(port);
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, exclusive: true }, () => s.close(() => resolve(true)));
  });
}
