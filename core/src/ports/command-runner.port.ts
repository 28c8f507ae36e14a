// CommandRunner port: runs an external program as file + argv. No shell, ever.
// Promises: the environment is exactly `env` (the platform's own environment is not inherited);
// a timeout kills the process group (SIGTERM, then SIGKILL after a grace period); output arrives
// line by line as it happens; an AbortSignal cancels.
// Leaves out: interpreting exit codes (callers decide), privilege changes.

export interface CommandSpec {
  file: string;
  args: readonly string[];
  cwd?: string;
  /** The complete environment. PATH is set to a safe default when missing. */
  env?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Receives stdout and stderr lines (without newline) as they happen. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Keep stdout in the result (bounded). */
  captureStdout?: boolean;
  stdin?: string | Buffer;
}

export interface CommandResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: string;
}

export interface CommandRunner {
  run(spec: CommandSpec): Promise<CommandResult>;
}
