// The dyno side of a rendezvous session (protocol.ts), as the worker runs it for the local
// runtime: TLS to the listener, verified against the platform CA, `dyno <id> <mac>`, then wait
// for "go". Resolves with the socket once the client is there (what follows "go" is the client's
// terminal input); rejects when the listener closes first, the wait times out, or `signal` aborts.
import tls from 'node:tls';
import { GO, MAX_HELLO, dynoHello } from './protocol.js';

export interface DynoSideOptions {
  host: string;
  port: number;
  caPem: string;
  dynoId: string;
  token: string;
  /** How long to wait for the client. */
  timeoutMs: number;
  signal?: AbortSignal;
}

export function connectDynoSide(o: DynoSideOptions): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: o.host, port: o.port, ca: o.caPem, servername: /^[\d.]+$|:/.test(o.host) ? undefined : o.host });
    let buf = Buffer.alloc(0);
    let settled = false;
    const fail = (why: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(new Error(why));
    };
    const onAbort = () => fail('stopped before the client attached');
    const timer = setTimeout(() => fail(`no client attached within ${Math.round(o.timeoutMs / 1000)} s`), o.timeoutMs);
    o.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (err) => fail(`rendezvous: ${err.message}`));
    socket.on('close', () => fail('the rendezvous listener closed the session'));
    socket.once('secureConnect', () => {
      socket.setNoDelay(true);
      socket.write(dynoHello(o.dynoId, o.token));
    });
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < GO.length) return;
      if (buf.subarray(0, GO.length).toString() !== GO || buf.length > MAX_HELLO) return fail('rendezvous: unexpected greeting');
      settled = true;
      clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      socket.off('data', onData);
      socket.removeAllListeners('close');
      socket.removeAllListeners('error');
      socket.on('error', () => undefined);
      socket.pause();
      const rest = buf.subarray(GO.length);
      if (rest.length) socket.unshift(rest);
      resolve(socket);
    };
    socket.on('data', onData);
  });
}
