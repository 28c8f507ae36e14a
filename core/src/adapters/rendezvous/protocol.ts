// The rendezvous protocol for attached one-off dynos (`heroku run`), both ends of it.
// Heroku's CLI (the client) opens TLS to the attach_url's host:port, writes the URL's path (the
// session secret) and "\r\n", discards the first chunk it receives, then streams the terminal both
// ways; the exit status travels in-band as a line "\uFFFF heroku-command-exit-status: N", which the
// CLI strips and turns into its own exit code. The dyno side (the worker for the local runtime, a
// helper in the container on Swarm) connects to the same listener with `dyno <id> <mac>`; the
// listener pairs the two, greets the client, tells the dyno side "go" (it starts the command only
// then, so no output is lost or merged into the greeting) and splices the streams.
// Leaves out: the listener (api/src/rendezvous), the process (runtimes).
import type { SecretBox } from '../../crypto.js';

/** MAC scope of the dyno side's credential (the worker and the api derive it from the master key). */
export const DYNO_TOKEN_SCOPE = 'rendezvous-dyno';
/** The first line a client receives (discarded by the CLI). */
export const GREETING = 'rendezvous\r\n';
/** What the listener sends the dyno side once the client is there. */
export const GO = 'go\n';
/** The longest first line either side may send. */
export const MAX_HELLO = 512;

export const dynoToken = (box: SecretBox, dynoId: string): string => box.mac(DYNO_TOKEN_SCOPE, dynoId);
export const dynoHello = (dynoId: string, token: string): string => `dyno ${dynoId} ${token}\r\n`;

const DYNO_HELLO_RE = /^dyno ([0-9a-f-]{36}) ([A-Za-z0-9_-]{20,100})$/;
export function parseDynoHello(line: string): { dynoId: string; token: string } | null {
  const m = DYNO_HELLO_RE.exec(line);
  return m ? { dynoId: m[1]!, token: m[2]! } : null;
}

/** The in-band exit status line of Heroku's CLI (what `heroku run --exit-code` appends itself). */
export function exitStatusLine(code: number): string {
  return `\uFFFF heroku-command-exit-status: ${code}\r\n`;
}
