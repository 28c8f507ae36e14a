// The one way the dashboard talks to the api: same-origin fetch with the session cookie, JSON in
// and out, and the CSRF header the api asks of cookie-authenticated writes. Errors become ApiError
// carrying the api's own message, shown where the user acted.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface ApiResponse<T> {
  data: T;
  headers: Headers;
  status: number;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';

export async function request<T>(method: Method, path: string, opts: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { Accept: 'application/json', 'X-Requested-With': 'slipway', ...opts.headers };
  let body: string | undefined;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body, credentials: 'same-origin', signal: opts.signal });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'Could not reach Slipway. Check your connection and try again.');
  }
  const text = await res.text();
  let data: unknown = undefined;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!res.ok) {
    const e = (data ?? {}) as { id?: string; message?: string; error?: { code?: string; message?: string; requestId?: string } };
    const message = e.error?.message ?? e.message ?? `The request failed (HTTP ${res.status}).`;
    throw new ApiError(res.status, e.error?.code ?? e.id ?? 'http_error', message, e.error?.requestId);
  }
  return { data: data as T, headers: res.headers, status: res.status };
}

export const api = {
  get: async <T>(path: string, headers?: Record<string, string>) => (await request<T>('GET', path, { headers })).data,
  post: async <T>(path: string, body?: unknown) => (await request<T>('POST', path, { body: body ?? {} })).data,
  patch: async <T>(path: string, body: unknown) => (await request<T>('PATCH', path, { body })).data,
  delete: async <T>(path: string) => (await request<T>('DELETE', path)).data,
};

export const enc = encodeURIComponent;

/** The path of an absolute URL the api hands out (SSE streams), so the browser stays same-origin. */
export function samePath(url: string): string {
  try {
    const u = new URL(url, window.location.origin);
    return u.pathname + u.search;
  } catch {
    return url;
  }
}

export function errorMessage(err: unknown): string {
  if (!err) return '';
  if (err instanceof Error) return err.message;
  return String(err);
}
