// Times a build's stages from its output: a line starting "-----> <Stage>" (Fetching, Detecting,
// Compiling, Releasing, Launching) starts that stage. Result: seconds per stage.
const STAGES = ['Fetching', 'Detecting', 'Compiling', 'Releasing', 'Launching'] as const;

export class StageClock {
  private current: string | null = null;
  private started = 0;
  private readonly seconds: Record<string, number> = {};

  constructor(private readonly now: () => number = () => performance.now()) {}

  observe(line: string): void {
    const m = /^-----> (\w+)/.exec(line);
    const stage = m && (STAGES as readonly string[]).includes(m[1]!) ? m[1]! : null;
    if (!stage || stage === this.current) return;
    this.close();
    this.current = stage;
    this.started = this.now();
  }

  private close(): void {
    if (this.current) this.seconds[this.current.toLowerCase()] = Math.round((this.seconds[this.current.toLowerCase()] ?? 0) * 1000 + (this.now() - this.started)) / 1000;
  }

  finish(): Record<string, number> {
    this.close();
    this.current = null;
    return { ...this.seconds };
  }
}
