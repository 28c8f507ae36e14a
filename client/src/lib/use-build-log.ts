// A build's output over SSE (GET /apps/:app/builds/:id/output): the stream replays what was
// written so far, then live lines, then `event: end` with {status, message}. On a dropped
// connection it reconnects and the replay replaces what was shown. Lines are flushed to React
// at most once per animation frame.
import { useEffect, useState } from 'react';
import { enc } from '../api/client';

export interface BuildEnd {
  status: 'succeeded' | 'failed' | string;
  message: string;
}

export function useBuildLog(app: string, buildId: string | undefined) {
  const [lines, setLines] = useState<string[]>([]);
  const [end, setEnd] = useState<BuildEnd | null>(null);
  const [connected, setConnected] = useState(false);

  useEffect(() => {
    setLines([]);
    setEnd(null);
    setConnected(false);
    if (!buildId) return;
    let es: EventSource | null = null;
    let stopped = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let frame = 0;
    let pending: string[] = [];
    let replace = false;
    const flush = () => {
      frame = 0;
      const batch = pending;
      const reset = replace;
      pending = [];
      replace = false;
      setLines((prev) => (reset ? batch : prev.concat(batch)));
    };
    const schedule = () => {
      if (!frame) frame = requestAnimationFrame(flush);
    };
    const open = () => {
      let first = true;
      es = new EventSource(`/apps/${enc(app)}/builds/${enc(buildId)}/output`);
      es.onopen = () => setConnected(true);
      es.onmessage = (e: MessageEvent<string>) => {
        if (first) {
          // a (re)connection replays the whole log: start over rather than duplicate
          first = false;
          pending = [];
          replace = true;
        }
        pending.push(...e.data.split('\n'));
        schedule();
      };
      es.addEventListener('end', (e) => {
        stopped = true;
        es?.close();
        if (first) {
          replace = true;
          schedule();
        }
        try {
          setEnd(JSON.parse((e as MessageEvent<string>).data) as BuildEnd);
        } catch {
          setEnd({ status: 'unknown', message: '' });
        }
        setConnected(false);
      });
      es.onerror = () => {
        es?.close();
        setConnected(false);
        if (!stopped) retry = setTimeout(open, 2_000);
      };
    };
    open();
    return () => {
      stopped = true;
      es?.close();
      clearTimeout(retry);
      if (frame) cancelAnimationFrame(frame);
    };
  }, [app, buildId]);

  return { lines, end, connected };
}
