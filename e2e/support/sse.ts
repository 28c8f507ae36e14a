// Test support: read a server-sent-events stream until a predicate holds or time runs out.
export interface SseEvent {
  event: string;
  data: string;
}

export async function readSse(url: string, opts: { until?: (events: SseEvent[]) => boolean; timeoutMs: number; headers?: Record<string, string> }): Promise<SseEvent[]> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), opts.timeoutMs);
  const events: SseEvent[] = [];
  try {
    const res = await fetch(url, { signal: ac.signal, headers: opts.headers });
    if (!res.ok || !res.body) throw new Error(`SSE ${url} answered ${res.status}`);
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) data.push(line.slice(6));
        }
        if (data.length) events.push({ event, data: data.join('\n') });
      }
      if (opts.until?.(events)) break;
    }
  } catch (err) {
    if (!ac.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
    ac.abort();
  }
  return events;
}
