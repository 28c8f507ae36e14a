// Live tail of an app's log: POST /apps/:app/log-sessions {lines, tail:true} gives a short-lived
// stream URL (SSE). A dropped stream gets a fresh session; lines already shown are skipped.
// While paused, new lines wait in a buffer and join the view on resume.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, enc, errorMessage, samePath } from '../api/client';
import { parseLogLine, type LogEntry } from './log-line';

const MAX_LINES = 5_000;

export type StreamState = 'connecting' | 'live' | 'reconnecting' | 'error';

export function useLogStream(app: string, opts: { paused: boolean; history?: number }) {
  const [entries, setEntries] = useState<LogEntry[]>([]);
  const [buffered, setBuffered] = useState(0);
  const [state, setState] = useState<StreamState>('connecting');
  const [error, setError] = useState('');
  const paused = useRef(opts.paused);
  const held = useRef<LogEntry[]>([]);
  const history = opts.history ?? 300;

  const push = useCallback((batch: LogEntry[]) => {
    setEntries((prev) => {
      const next = prev.concat(batch);
      return next.length > MAX_LINES ? next.slice(next.length - MAX_LINES) : next;
    });
  }, []);

  useEffect(() => {
    paused.current = opts.paused;
    if (!opts.paused && held.current.length) {
      push(held.current);
      held.current = [];
      setBuffered(0);
    }
  }, [opts.paused, push]);

  useEffect(() => {
    setEntries([]);
    held.current = [];
    setBuffered(0);
    let es: EventSource | null = null;
    let stopped = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let nextId = 1;
    let frame = 0;
    let pending: LogEntry[] = [];
    const seen = new Set<string>();
    const seenOrder: string[] = [];
    let failures = 0;

    const flush = () => {
      frame = 0;
      const batch = pending;
      pending = [];
      if (paused.current) {
        held.current = held.current.concat(batch).slice(-MAX_LINES);
        setBuffered(held.current.length);
      } else push(batch);
    };
    const remember = (raw: string) => {
      seen.add(raw);
      seenOrder.push(raw);
      if (seenOrder.length > 2_000) seen.delete(seenOrder.shift()!);
    };

    const connect = async (lines: number) => {
      try {
        const session = await api.post<{ logplex_url: string }>(`/apps/${enc(app)}/log-sessions`, { lines, tail: true });
        if (stopped) return;
        es = new EventSource(samePath(session.logplex_url));
        es.onopen = () => {
          failures = 0;
          setState('live');
          setError('');
        };
        es.onmessage = (e: MessageEvent<string>) => {
          if (seen.has(e.data)) return;
          remember(e.data);
          pending.push(parseLogLine(e.data, nextId++));
          if (!frame) frame = requestAnimationFrame(flush);
        };
        es.onerror = () => {
          es?.close();
          if (stopped) return;
          setState('reconnecting');
          failures++;
          retry = setTimeout(() => void connect(100), Math.min(10_000, 1_000 * failures));
        };
      } catch (err) {
        if (stopped) return;
        failures++;
        setState('error');
        setError(errorMessage(err));
        retry = setTimeout(() => void connect(lines), Math.min(15_000, 2_000 * failures));
      }
    };
    setState('connecting');
    void connect(history);
    return () => {
      stopped = true;
      es?.close();
      clearTimeout(retry);
      if (frame) cancelAnimationFrame(frame);
    };
  }, [app, history, push]);

  const clear = useCallback(() => {
    setEntries([]);
    held.current = [];
    setBuffered(0);
  }, []);

  return { entries, buffered, state, error, clear };
}
