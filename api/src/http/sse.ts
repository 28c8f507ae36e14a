// Server-sent events: `data: <line>` per line, comments as heartbeats so proxies keep the stream
// open, and an AbortSignal that fires when the client goes away.
import type { Request, Response } from 'express';

export interface SseStream {
  send(data: string, event?: string): void;
  end(): void;
  signal: AbortSignal;
}

export function openSse(req: Request, res: Response): SseStream {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('Connection', 'keep-alive');
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  const ac = new AbortController();
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  const stop = () => {
    clearInterval(heartbeat);
    ac.abort();
  };
  req.on('close', stop);
  res.on('close', stop);
  return {
    signal: ac.signal,
    send(data, event) {
      if (ac.signal.aborted) return;
      const lines = data.split('\n').map((l) => `data: ${l}`).join('\n');
      res.write(`${event ? `event: ${event}\n` : ''}${lines}\n\n`);
    },
    end() {
      stop();
      res.end();
    },
  };
}
