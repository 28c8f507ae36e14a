// Docker's multiplexed stream format (container attach/logs and service logs without a TTY): frames
// of an 8-byte header (stream 1 = stdout, 2 = stderr; big-endian payload size) and a payload.
// Promises: frames are reassembled across chunk boundaries; lines are split on "\n" across frames
// of the same stream, a trailing partial line is flushed at the end.
// Leaves out: TTY streams (not multiplexed).

export type StdStream = 'stdout' | 'stderr';

export async function* demuxFrames(body: AsyncIterable<Buffer | string>): AsyncIterable<{ stream: StdStream; data: Buffer }> {
  let buf = Buffer.alloc(0);
  for await (const chunk of body) {
    buf = Buffer.concat([buf, typeof chunk === 'string' ? Buffer.from(chunk, 'binary') : chunk]);
    while (buf.length >= 8) {
      const size = buf.readUInt32BE(4);
      if (buf.length < 8 + size) break;
      yield { stream: buf[0] === 2 ? 'stderr' : 'stdout', data: buf.subarray(8, 8 + size) };
      buf = buf.subarray(8 + size);
    }
  }
}

export async function* demuxLines(body: AsyncIterable<Buffer | string>): AsyncIterable<{ stream: StdStream; line: string }> {
  const pending: Record<StdStream, string> = { stdout: '', stderr: '' };
  for await (const f of demuxFrames(body)) {
    const text = pending[f.stream] + f.data.toString('utf8');
    const parts = text.split('\n');
    pending[f.stream] = parts.pop() ?? '';
    for (const line of parts) yield { stream: f.stream, line: line.replace(/\r$/, '') };
  }
  for (const s of ['stdout', 'stderr'] as const) if (pending[s]) yield { stream: s, line: pending[s] };
}
