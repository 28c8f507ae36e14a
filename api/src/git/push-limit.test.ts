// The push guard with real streams: under the limit everything reaches git; past it git's input is
// cut, the pusher is told once, and a client that keeps sending is hung up on. The pkt-line helpers
// read a real git client's first line (captured from `git push` over HTTP).
import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { guardPush, pushTooLargeMessage, sideBandMessage, wantsSideBand } from './push-limit.js';

function sink() {
  const got: Buffer[] = [];
  let ended = false;
  const w = new Writable({
    write(chunk, _enc, done) {
      got.push(chunk);
      done();
    },
    final(done) {
      ended = true;
      done();
    },
  });
  return { w, bytes: () => Buffer.concat(got).length, ended: () => ended };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('guardPush', () => {
  it('passes a push under the limit through untouched', async () => {
    const from = new PassThrough();
    const to = sink();
    let over = 0;
    const guard = guardPush(from, to.w, 100, () => over++, () => undefined);
    from.write(Buffer.alloc(60));
    from.end(Buffer.alloc(40));
    await tick();
    expect([to.bytes(), to.ended(), over, guard.over]).toEqual([100, true, 0, false]);
  });

  it('cuts git off past the limit, tells the pusher once, and hangs up on a client that goes on', async () => {
    const from = new PassThrough();
    const to = sink();
    let over = 0;
    let aborted = 0;
    const guard = guardPush(from, to.w, 100, () => over++, () => aborted++);
    from.write(Buffer.alloc(80));
    from.write(Buffer.alloc(80));
    await tick();
    expect([to.bytes(), to.ended(), over, guard.over, aborted]).toEqual([80, true, 1, true, 0]);
    from.write(Buffer.alloc(1024 * 1024 + 100));
    await tick();
    expect([over, aborted]).toEqual([1, 1]);
  });
});

describe('pkt-lines', () => {
  it('sees the side band a real client asks for', () => {
    const payload = `${'0'.repeat(40)} ${'a'.repeat(40)} refs/heads/main\0 report-status side-band-64k quiet object-format=sha1 agent=git/2.39.5`;
    const line = Buffer.from((payload.length + 4).toString(16).padStart(4, '0') + payload);
    expect(wantsSideBand(line)).toBe(true);
    expect(wantsSideBand(Buffer.from(line.toString().replace(' side-band-64k', '')))).toBe(false);
    expect(wantsSideBand(Buffer.from('0000'))).toBe(false);
    expect(wantsSideBand(Buffer.from('zz'))).toBe(false);
  });

  it('frames a band-2 message', () => {
    const m = sideBandMessage(pushTooLargeMessage(3));
    expect(parseInt(m.subarray(0, 4).toString(), 16)).toBe(m.length);
    expect(m[4]).toBe(2);
    expect(m.subarray(5).toString()).toBe(`${pushTooLargeMessage(3)}\n`);
  });
});
