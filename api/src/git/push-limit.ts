// The push size limit on the wire (setting max_push_size_mb). git receive-pack gets the limit as
// receive.maxInputSize, so it refuses a bigger pack itself and keeps nothing of it (its quarantine
// is dropped, no ref moves). This guard counts what the client sends on the way to git: past the
// limit it stops feeding git and tells the pusher which limit was hit (git's own message does not
// say), then discards the rest of the upload up to a bound and hangs up after that.
// Leaves out: the unpacked source size (PushService counts the pushed tree) and the slug size (build).
import type { Readable, Writable } from 'node:stream';

export const MB = 1024 * 1024;

export function pushTooLargeMessage(limitMb: number): string {
  return `Push rejected: this push is larger than the limit of ${limitMb} MB (setting max_push_size_mb). Remove large files from the history, or ask an administrator to raise the limit.`;
}

export interface PushGuard {
  /** true once the client sent more than the limit. */
  readonly over: boolean;
  /** The first bytes the client sent (its ref commands and capabilities). */
  head(): Buffer;
}

/**
 * Pipes `from` into `to` (git's stdin), counting. Over `limitBytes`, `to` is ended (git sees a cut
 * pack and fails), `onOver` runs once, and the rest is read and dropped until `limitBytes` more
 * arrived; then `abort` hangs up on the client.
 */
export function guardPush(from: Readable, to: Writable, limitBytes: number, onOver: () => void, abort: () => void): PushGuard {
  let received = 0;
  let over = false;
  const head: Buffer[] = [];
  let headBytes = 0;
  from.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (headBytes < 4096) {
      head.push(chunk);
      headBytes += chunk.length;
    }
    if (over) {
      if (received > 2 * limitBytes + MB) abort();
      return;
    }
    if (received <= limitBytes) {
      if (!to.write(chunk)) {
        from.pause();
        to.once('drain', () => from.resume());
      }
      return;
    }
    over = true;
    to.end();
    from.resume();
    onOver();
  });
  from.on('end', () => {
    if (!over) to.end();
  });
  to.on('error', () => undefined);
  return {
    get over() {
      return over;
    },
    head: () => Buffer.concat(head).subarray(0, 4096),
  };
}

/** Whether the client asked for git's side band (it then shows band-2 text as `remote:` lines). */
export function wantsSideBand(head: Buffer): boolean {
  const len = parseInt(head.subarray(0, 4).toString('ascii'), 16);
  if (!Number.isFinite(len) || len < 4 || head.length < len) return false;
  const line = head.subarray(4, len).toString('utf8');
  const caps = line.split('\0')[1] ?? '';
  return caps.split(/\s+/).some((c) => c === 'side-band-64k' || c === 'side-band');
}

/** A pkt-line on side band 2 (progress text the client prints as `remote: …`). */
export function sideBandMessage(text: string): Buffer {
  const payload = Buffer.concat([Buffer.from([2]), Buffer.from(`${text}\n`)]);
  return Buffer.concat([Buffer.from((payload.length + 4).toString(16).padStart(4, '0'), 'ascii'), payload]);
}
