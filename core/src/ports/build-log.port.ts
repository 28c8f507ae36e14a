// BuildLogSink port: a build's output, live and kept.
// Promises: append() lines in order; follow() replays from the first line and then streams live
// lines until the build ends (no line lost between replay and live); finish() records the outcome
// and archives the full log to the ObjectStore; read() returns an archived or live log.
// Leaves out: ANSI interpretation (clients render), app runtime logs (LogStore).

export type BuildOutcome = { status: 'succeeded' | 'failed'; message: string };

export type BuildLogEvent = { kind: 'line'; line: string } | { kind: 'end'; outcome: BuildOutcome };

export interface BuildLogSink {
  append(buildId: string, line: string): Promise<void>;
  finish(buildId: string, outcome: BuildOutcome, archiveKey: string): Promise<void>;
  follow(buildId: string, signal: AbortSignal, archiveKey?: string): AsyncIterable<BuildLogEvent>;
}

/** The log a release phase's output is kept under (Heroku's release output_stream_url). */
export const releaseOutputLogId = (releaseId: string): string => `release-${releaseId}`;
