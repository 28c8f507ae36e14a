// What the dyno supervisor (dyno-supervisor.ts) and the worker (supervised-process.ts) say to each
// other, and the files of a dyno's run directory they share.
// Leaves out: behaviour (each side's own file).

export interface SupervisorSpec {
  file: string;
  args: string[];
  /** Environment of the launcher stages (PATH…), never the app's. */
  env: Record<string, string>;
  /** The app's environment, written NUL-separated to the sandbox's fd 3. */
  appEnv: Record<string, string>;
}

/** One NDJSON message from the supervisor to the attached worker. */
export type SupervisorMessage =
  | { t: 'hello'; supervisorPid: number; childPid: number | null }
  | { t: 'line'; line: string }
  | { t: 'exit'; code: number | null; signal: string | null; error?: string };

export type ExitMessage = Extract<SupervisorMessage, { t: 'exit' }>;

import { closeSync, openSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';

export const SOCKET_NAME = 'supervisor.sock';

/**
 * The supervisor's socket as a path short enough for a Unix socket (108 bytes, which a deep data
 * dir exceeds): through an open descriptor of the run directory, /proc/self/fd/N/supervisor.sock.
 * `use` binds or connects; the descriptor is closed when it settles.
 */
export async function viaShortPath<T>(runDir: string, use: (socketPath: string) => Promise<T>): Promise<T> {
  const fd = openSync(runDir, 'r');
  try {
    return await use(`/proc/self/fd/${fd}/${SOCKET_NAME}`);
  } finally {
    closeSync(fd);
  }
}
export const EXIT_FILE = 'exit.json';
export const SUPERVISOR_LOG = 'supervisor.log';

const MAX_LINE = 16 * 1024;

/** Calls `onLine` for each line of `stream` (an over-long line is cut at 16 KiB); resolves when it
 *  closes. */
export function splitLines(stream: Readable, onLine: (line: string) => void): Promise<void> {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (text: string) => {
    buf += text;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i).replace(/\r$/, ''));
      buf = buf.slice(i + 1);
    }
    if (buf.length > MAX_LINE) {
      onLine(buf);
      buf = '';
    }
  });
  return new Promise<void>((resolve) => stream.once('close', () => {
    if (buf) onLine(buf.replace(/\r$/, ''));
    buf = '';
    resolve();
  }));
}

/** Hands the app's environment to the sandbox: NUL-terminated KEY=value entries on its fd 3. */
export function sendEnv(fd3: Writable, env: Record<string, string>): void {
  fd3.on('error', () => undefined);
  fd3.end(Object.entries(env).map(([k, v]) => `${k}=${v}\0`).join(''));
}
