// The rendezvous listener for attached one-off dynos (`heroku run`): TLS with a certificate from the
// platform CA, on SLIPWAY_RENDEZVOUS_PORT. open() registers a session when the api creates an
// attached dyno and returns the secret for its attach_url; the client (Heroku's CLI) and the dyno
// side (see core/src/adapters/rendezvous/protocol.ts) each connect once with their first line; the
// listener pairs them, greets the client, tells the dyno side to start, and splices the streams
// until either side closes. A session nobody completes within the pairing window is dropped.
// Sessions live in this process's memory (one api process; a restart ends open sessions).
// Leaves out: running the command (the worker's runtime), authorising the user (the api did).
import { createHash, randomBytes } from 'node:crypto';
import tls from 'node:tls';
import type { Logger } from '../../logger.js';
import type { SecretBox } from '../../crypto.js';
import { listen } from '../../listen.js';
import { DYNO_TOKEN_SCOPE, GO, GREETING, MAX_HELLO, exitStatusLine, parseDynoHello } from './protocol.js';

interface Session {
  dynoId: string;
  secretHash: string;
  client?: tls.TLSSocket;
  dyno?: tls.TLSSocket;
  paired: boolean;
  expiry: NodeJS.Timeout;
}

export interface RendezvousOptions {
  box: SecretBox;
  log: Logger;
  /** Host and port clients are told to connect to (the attach_url). */
  publicHost: string;
  port: number;
  /** How long a session waits for both sides. */
  pairTimeoutMs?: number;
  /** How long a connection may take to say who it is. */
  helloTimeoutMs?: number;
}

const hash = (s: string) => createHash('sha256').update(s).digest('hex');

export class RendezvousServer {
  private readonly sessions = new Map<string, Session>();
  private readonly bySecret = new Map<string, string>();
  private server: tls.Server | null = null;

  constructor(private readonly o: RendezvousOptions) {}

  get listening(): boolean {
    return this.server?.listening ?? false;
  }

  /** The port it listens on (the configured one; with 0, the one the system chose). */
  get port(): number {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : this.o.port;
  }

  /** A session for the dyno; the returned attach_url is the client's only way in. */
  open(dynoId: string): string {
    const secret = randomBytes(32).toString('base64url');
    const s: Session = {
      dynoId, secretHash: hash(secret), paired: false,
      expiry: setTimeout(() => this.drop(dynoId, 'the dyno did not start in time'), this.o.pairTimeoutMs ?? 300_000),
    };
    s.expiry.unref();
    this.sessions.set(dynoId, s);
    this.bySecret.set(s.secretHash, dynoId);
    return `rendezvous://${this.o.publicHost}:${this.port}/${secret}`;
  }

  async listen(bind: string, cert: { certPem: string; keyPem: string }): Promise<void> {
    const server = tls.createServer({ cert: cert.certPem, key: cert.keyPem, minVersion: 'TLSv1.2' }, (socket) => this.accept(socket));
    server.on('tlsClientError', (err) => this.o.log.debug({ err: err.message }, 'rendezvous: TLS handshake failed'));
    this.server = server;
    await listen(server, this.o.port, bind);
    this.o.log.info({ port: this.o.port, bind }, 'rendezvous listening');
  }

  /** A renewed certificate for new connections. */
  setCertificate(cert: { certPem: string; keyPem: string }): void {
    this.server?.setSecureContext({ cert: cert.certPem, key: cert.keyPem });
  }

  async close(): Promise<void> {
    for (const id of [...this.sessions.keys()]) this.drop(id, 'the api is stopping');
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  }

  private accept(socket: tls.TLSSocket): void {
    socket.setNoDelay(true);
    socket.on('error', () => undefined); // a reset is handled by 'close'
    const timer = setTimeout(() => socket.destroy(), this.o.helloTimeoutMs ?? 30_000);
    let buf = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const nl = buf.indexOf(0x0a);
      if (nl < 0) {
        if (buf.length > MAX_HELLO) socket.destroy();
        return;
      }
      clearTimeout(timer);
      socket.off('data', onData);
      socket.pause();
      const line = buf.subarray(0, nl).toString('utf8').replace(/\r$/, '');
      const rest = buf.subarray(nl + 1);
      if (rest.length) socket.unshift(rest);
      this.identify(socket, line);
    };
    socket.on('data', onData);
  }

  private identify(socket: tls.TLSSocket, line: string): void {
    const dyno = parseDynoHello(line);
    if (dyno) {
      const s = this.sessions.get(dyno.dynoId);
      if (!s || s.dyno || !this.o.box.verifyMac(DYNO_TOKEN_SCOPE, dyno.dynoId, dyno.token)) return void socket.destroy();
      s.dyno = socket;
      socket.once('close', () => this.drop(s.dynoId, 'the dyno ended before it started'));
      return this.pair(s);
    }
    const id = this.bySecret.get(hash(line.split('?')[0]!));
    const s = id ? this.sessions.get(id) : undefined;
    if (!s || s.client) return void socket.destroy();
    s.client = socket;
    socket.once('close', () => this.drop(s.dynoId, 'the client closed'));
    this.pair(s);
  }

  private pair(s: Session): void {
    const { client, dyno } = s;
    if (!client || !dyno || s.paired) return;
    s.paired = true;
    clearTimeout(s.expiry);
    this.bySecret.delete(s.secretHash);
    // The CLI discards its first chunk: let the greeting arrive on its own before any output.
    client.write(GREETING, () => {
      setTimeout(() => {
        if (client.destroyed || dyno.destroyed) return;
        dyno.write(GO);
        dyno.pipe(client);
        client.pipe(dyno);
        client.resume();
        dyno.resume();
      }, 100);
    });
  }

  private drop(dynoId: string, why: string): void {
    const s = this.sessions.get(dynoId);
    if (!s) return;
    this.sessions.delete(dynoId);
    this.bySecret.delete(s.secretHash);
    clearTimeout(s.expiry);
    this.o.log.debug({ dynoId, why }, 'rendezvous session ended');
    const client = s.client;
    if (client && !s.paired && !client.destroyed) {
      // a client still waiting for its dyno learns why, and exits with a failure (the CLI
      // discards the first chunk, so the reason comes after the greeting)
      client.write(GREETING, () => setTimeout(() => client.end(`Slipway: ${why}.\r\n${exitStatusLine(1)}`), 100));
    } else {
      client?.end(); // let what is in flight reach the other side, then close
    }
    s.dyno?.end();
    setTimeout(() => {
      s.client?.destroy();
      s.dyno?.destroy();
    }, 5_000).unref();
  }
}
