// Test support: retry an assertion until it holds, and record figures a test measured.
import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';

export async function eventually(fn: () => Promise<void>, timeoutMs: number, intervalMs = 250): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fn();
      return;
    } catch (err) {
      if (Date.now() > end) throw err;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}

/** A figure for the closing report: printed and appended to $SLIPWAY_TEST_OUTPUT/figures.txt. */
export function report(name: string, figure: string): void {
  const line = `${name}: ${figure}`;
  process.stderr.write(`[figure] ${line}\n`);
  const dir = process.env.SLIPWAY_TEST_OUTPUT;
  if (dir) {
    mkdirSync(dir, { recursive: true });
    appendFileSync(path.join(dir, 'figures.txt'), line + '\n');
  }
}
