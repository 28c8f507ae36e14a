// The Runtime contract for one-off dynos (runDyno), registered by runtimeContract() for every
// adapter: detached (output, exit code, DYNO and the extra variables, onStart, a stop), and
// attached through a real rendezvous listener, with a client speaking as Heroku's CLI does
// (secret line, greeting discarded, input, in-band exit status), with and without a terminal.
// Leaves out: the api's session bookkeeping (rendezvous.server.ts is used as the listener here).
import { randomUUID } from 'node:crypto';
import tls from 'node:tls';
import { expect, it } from 'vitest';
import type { SecretBox } from '../crypto.js';
import type { RendezvousServer } from '../adapters/rendezvous/rendezvous.server.js';
import { dynoToken } from '../adapters/rendezvous/protocol.js';
import type { OneOffDynoSpec, ReleaseSpec, Runtime } from './runtime.port.js';

export interface RendezvousHarness {
  server: RendezvousServer;
  /** The listener's address as dyno sides (and this test's client) reach it. */
  host: string;
  caPem: string;
  box: SecretBox;
}

/** A client of a rendezvous session, as Heroku's CLI is one. */
function attachClient(rz: RendezvousHarness, attachUrl: string, input: string[]): { output: Promise<string> } {
  const url = new URL(attachUrl);
  const socket = tls.connect({ host: rz.host, port: Number(url.port), ca: rz.caPem, servername: /^[\d.]+$/.test(rz.host) ? undefined : rz.host });
  let out = '';
  let first = true;
  socket.setEncoding('utf8');
  socket.on('secureConnect', () => socket.write(`${url.pathname.slice(1)}\r\n`));
  socket.on('data', (d: string) => {
    if (first) {
      first = false; // the CLI discards the greeting, then starts sending input
      for (const chunk of input) socket.write(chunk);
      return;
    }
    out += d;
  });
  return { output: new Promise((resolve) => socket.on('close', () => resolve(out))) };
}

export function oneOffContract(ctx: () => { runtime: Runtime; rendezvous: RendezvousHarness }, release: () => Promise<ReleaseSpec>): void {
  const base = (s: ReleaseSpec, over: Partial<OneOffDynoSpec> & Pick<OneOffDynoSpec, 'name' | 'command'>): OneOffDynoSpec => ({
    env: {}, plan: s.plan, timeoutMs: 60_000, attach: null, signal: new AbortController().signal, onStart: () => undefined, ...over,
  });

  it('runs a detached one-off dyno: output, exit status, DYNO and extra variables, onStart, a stop', async () => {
    const { runtime } = ctx();
    const s = await release();
    const out: string[] = [];
    let started = 0;
    const res = await runtime.runDyno(s, base(s, { name: 'run.1', command: 'echo "$GREETING $EXTRA from $DYNO"; exit 4', env: { EXTRA: 'extra' }, onStart: () => started++ }), (l) => out.push(l));
    expect(res, out.join('\n')).toEqual({ exitCode: 4, timedOut: false });
    expect(out).toContain('hi there extra from run.1');
    expect(started).toBe(1);

    const stop = new AbortController();
    const t0 = Date.now();
    const stopped = await runtime.runDyno(s, base(s, { name: 'run.2', command: 'sleep 120', signal: stop.signal, onStart: () => setTimeout(() => stop.abort(), 500) }), () => undefined);
    expect(stopped.exitCode).not.toBe(0);
    expect(Date.now() - t0).toBeLessThan(60_000);
  });

  it('runs an attached one-off dyno through a rendezvous session, without and with a terminal', async () => {
    const { runtime, rendezvous: rz } = ctx();
    const s = await release();
    const attached = async (name: string, command: string, tty: boolean, input: string[]) => {
      const id = randomUUID();
      const client = attachClient(rz, rz.server.open(id), input);
      const attach = { host: rz.host, port: rz.server.port, dynoId: id, token: dynoToken(rz.box, id), caPem: rz.caPem, tty };
      const res = await runtime.runDyno(s, base(s, { name, command, attach, env: { COLUMNS: '100', LINES: '30' } }), () => undefined);
      return { res, output: await client.output };
    };
    const pipes = await attached('run.3', 'read line; echo "got $line from $DYNO"; exit 5', false, ['hello\n', '\u0004']);
    expect(pipes.res, pipes.output).toEqual({ exitCode: 5, timedOut: false });
    expect(pipes.output).toContain('got hello from run.3\n');
    expect(pipes.output).toMatch(/\uFFFF heroku-command-exit-status: 5\r\n$/);

    const term = await attached('run.4', 'echo "tty: $(tty) $(stty size)"; exit 6', true, []);
    expect(term.res, term.output).toEqual({ exitCode: 6, timedOut: false });
    expect(term.output).toMatch(/tty: \/dev\/pts\/\d+ 30 100\r\n/);
    expect(term.output).toMatch(/\uFFFF heroku-command-exit-status: 6\r\n$/);
  });
}
