// A node's provisioning log, live: the lines so far, then new ones from the api's SSE stream
// (`line` and `status` events) until the node rests; reopened when its state changes again.
import { useEffect, useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { nodeKeys, nodeLogStreamUrl } from '../api/nodes';
import type { NodeLogLine } from '../api/types';

export function useNodeLog(nodeId: string, status: string | undefined): { lines: NodeLogLine[]; live: boolean } {
  const [lines, setLines] = useState<NodeLogLine[]>([]);
  const [live, setLive] = useState(false);
  const qc = useQueryClient();
  useEffect(() => {
    let after = 0;
    setLines([]);
    const es = new EventSource(nodeLogStreamUrl(nodeId, after));
    setLive(true);
    es.addEventListener('line', (e) => {
      const line = JSON.parse((e as MessageEvent<string>).data) as NodeLogLine;
      after = Math.max(after, line.id);
      setLines((prev) => (prev.some((l) => l.id === line.id) ? prev : [...prev, line]));
    });
    es.addEventListener('status', () => void qc.invalidateQueries({ queryKey: nodeKeys.node(nodeId) }));
    // the api ends the stream once the node rests; EventSource would reconnect: stop instead
    es.onerror = () => {
      es.close();
      setLive(false);
    };
    return () => es.close();
    // a new state (provisioning again, draining) opens the stream again
  }, [nodeId, status, qc]);
  return { lines, live };
}
