// Worker nodes of the cluster (api/src/http/routes/admin-nodes.routes.ts): the list with each
// node's latest figures, one node, its 24-hour figures, its provisioning log (SSE while it
// changes), and the writes — add (with a private key, or a key pair Slipway generates), confirm
// the host key, provision or retry, drain, activate, remove.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { ApiError, api, enc } from './client';
import type { NodeJson, NodeLogLine, NodeMetrics } from './types';

export const nodeKeys = {
  all: ['admin', 'nodes'] as const,
  node: (id: string) => ['admin', 'nodes', id] as const,
  metrics: (id: string) => ['admin', 'nodes', id, 'metrics'] as const,
};

const N = '/api/v1/admin/nodes';
const BUSY = new Set(['provisioning', 'draining', 'removing']);

export const useNodes = () =>
  useQuery<NodeJson[], ApiError>({
    queryKey: nodeKeys.all,
    queryFn: () => api.get(N),
    refetchInterval: (q) => (q.state.data?.some((n) => BUSY.has(n.status)) ? 2_000 : 15_000),
  });

export const useNode = (id: string) =>
  useQuery<NodeJson, ApiError>({
    queryKey: nodeKeys.node(id),
    queryFn: () => api.get(`${N}/${enc(id)}`),
    refetchInterval: (q) => (q.state.data && BUSY.has(q.state.data.status) ? 2_000 : 15_000),
  });

export const useNodeMetrics = (id: string) =>
  useQuery<NodeMetrics, ApiError>({ queryKey: nodeKeys.metrics(id), queryFn: () => api.get(`${N}/${enc(id)}/metrics?hours=24`), refetchInterval: 60_000 });

export const nodeLogStreamUrl = (id: string, after: number) => `${N}/${enc(id)}/log/stream?after=${after}`;
export const nodeLog = (id: string) => api.get<{ status: string; lines: NodeLogLine[]; next_after: number }>(`${N}/${enc(id)}/log?limit=2000`);

export interface AddNodeForm {
  host: string;
  port: number;
  user: string;
  name?: string;
  roles: string[];
  private_key?: string;
  generate_key?: boolean;
  host_key_fingerprint?: string;
}

/** Every write on nodes; each refreshes the list and the node. */
export function useNodeMutations() {
  const qc = useQueryClient();
  const done = (n: { id: string }) => {
    qc.setQueryData(nodeKeys.node(n.id), n);
    void qc.invalidateQueries({ queryKey: nodeKeys.all });
  };
  const post = (path: string) => (id: string) => api.post<NodeJson>(`${N}/${enc(id)}/${path}`, {});
  return {
    add: useMutation<NodeJson, ApiError, AddNodeForm>({ mutationFn: (f) => api.post<NodeJson>(N, f), onSuccess: done }),
    confirmHostKey: useMutation<NodeJson, ApiError, { id: string; fingerprint: string }>({
      mutationFn: ({ id, fingerprint }) => api.post<NodeJson>(`${N}/${enc(id)}/host-key`, { host_key_fingerprint: fingerprint }),
      onSuccess: done,
    }),
    provision: useMutation<NodeJson, ApiError, string>({ mutationFn: post('provision'), onSuccess: done }),
    drain: useMutation<NodeJson, ApiError, string>({ mutationFn: post('drain'), onSuccess: done }),
    activate: useMutation<NodeJson, ApiError, string>({ mutationFn: post('activate'), onSuccess: done }),
    remove: useMutation<NodeJson, ApiError, string>({ mutationFn: (id) => api.delete<NodeJson>(`${N}/${enc(id)}`), onSuccess: done }),
  };
}
