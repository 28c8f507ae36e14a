// Input that no route should ever see: a NUL byte or bytes that are not UTF-8, anywhere in the URL
// (path and query, after percent-decoding) or in a JSON body (any key or string value, lone
// surrogates included). Such a request is answered 400 in the Heroku error shape before routing,
// so nothing downstream (PostgreSQL, argv, files) meets it. Malformed requests that never reach
// Express (bad header bytes, headers too large) get the same JSON shape from `answerClientError`.
// Leaves out: header values (Node's parser refuses control characters; the few headers the api
// reads are checked where they are read), non-JSON bodies (git's own protocol, tar uploads).
import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import type { RequestHandler } from 'express';
import { ValidationError } from '@slipway/core/errors';

declare module 'node:http' {
  interface IncomingMessage {
    /** Set by the JSON body parser's verify hook when the raw body was not UTF-8. */
    bodyNotUtf8?: boolean;
  }
}

/** The URL's bytes with percent-escapes decoded (the parser hands non-ASCII bytes over as latin1). */
function urlBytes(url: string): Buffer {
  const out = Buffer.allocUnsafe(url.length);
  let n = 0;
  for (let i = 0; i < url.length; i++) {
    const c = url.charCodeAt(i);
    const hex = c === 0x25 ? url.slice(i + 1, i + 3) : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      out[n++] = parseInt(hex, 16);
      i += 2;
    } else out[n++] = c & 0xff;
  }
  return out.subarray(0, n);
}

export function badUrl(url: string): string | null {
  const bytes = urlBytes(url);
  if (bytes.includes(0)) return 'The URL must not contain NUL bytes.';
  if (!isUtf8(bytes)) return 'The URL must be valid UTF-8 (percent-encoded).';
  return null;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Names the first problem in a parsed JSON value, walking it without recursion. */
export function badJson(value: unknown): string | null {
  const stack: unknown[] = [value];
  const check = (s: string, what: string): string | null => {
    if (s.includes('\u0000')) return `The request body must not contain NUL bytes (found in a ${what}).`;
    if (LONE_SURROGATE.test(s)) return `The request body must be valid UTF-8 (found a lone surrogate in a ${what}).`;
    return null;
  };
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'string') {
      const bad = check(v, 'value');
      if (bad) return bad;
    } else if (Array.isArray(v)) {
      for (const item of v) stack.push(item);
    } else if (v !== null && typeof v === 'object') {
      for (const [k, item] of Object.entries(v)) {
        const bad = check(k, 'key');
        if (bad) return bad;
        stack.push(item);
      }
    }
  }
  return null;
}

/** Before routing: the URL. */
export const urlHygiene: RequestHandler = (req, _res, next) => {
  const bad = badUrl(req.originalUrl ?? req.url);
  if (bad) throw new ValidationError(bad);
  next();
};

/** The JSON body parser's verify hook: remembers a body that is not UTF-8 (decoding would hide it). */
export function markNonUtf8(req: IncomingMessage, _res: unknown, buf: Buffer): void {
  if (!isUtf8(buf)) req.bodyNotUtf8 = true;
}

/** After the JSON body parser: the body. */
export const bodyHygiene: RequestHandler = (req, _res, next) => {
  if (req.bodyNotUtf8) throw new ValidationError('The request body must be valid UTF-8.');
  const bad = req.body === undefined ? null : badJson(req.body);
  if (bad) throw new ValidationError(bad);
  next();
};

/** Requests Node's HTTP parser refused (bad header bytes, headers too large): a JSON answer, then close. */
export function answerClientError(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (!socket.writable || (err.code === 'ECONNRESET')) return void socket.destroy();
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
    const message = tooLarge ? 'The request headers are too large.' : 'The request is malformed (bad characters in the request line or a header).';
    const id = tooLarge ? 'request_header_fields_too_large' : 'bad_request';
    const body = JSON.stringify({ id, message, error: { code: id, message, requestId: 'none' } });
    socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
}
