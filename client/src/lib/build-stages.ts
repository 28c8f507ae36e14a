// A build's output announces its stages with Heroku-style headers ("-----> Fetching",
// "-----> Detecting buildpack", "-----> Compiling with nodejs", "-----> Releasing", "-----> Launching").
// The Deploy tab turns them into a progress indicator.

export const STAGES = ['Fetching', 'Detecting', 'Compiling', 'Releasing', 'Launching'] as const;
export type Stage = (typeof STAGES)[number];

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

export const stripAnsi = (s: string) => s.replace(ANSI, '');

/** The stage a line starts, if it is a stage header. */
export function stageOf(line: string): Stage | null {
  const m = /^(?:remote:\s*)?-----> (\w+)/.exec(stripAnsi(line).trimStart());
  if (!m) return null;
  return (STAGES as readonly string[]).includes(m[1]!) ? (m[1] as Stage) : null;
}

/** Index of the furthest stage reached in these lines (-1 before the first header). */
export function furthestStage(lines: readonly string[]): number {
  let at = -1;
  for (const l of lines) {
    const s = stageOf(l);
    if (s) at = Math.max(at, STAGES.indexOf(s));
  }
  return at;
}
