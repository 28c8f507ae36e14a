// A small HTTP client for tests, speaking the Heroku Platform API the way its tools do.
export interface Reply<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

export class ApiClient {
  constructor(readonly baseUrl: string, public token?: string) {}

  async req<T = any>(method: string, path: string, opts: { body?: unknown; headers?: Record<string, string>; raw?: string } = {}): Promise<Reply<T>> {
    const headers: Record<string, string> = { accept: 'application/vnd.heroku+json; version=3', ...opts.headers };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let body: string | undefined = opts.raw;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(this.baseUrl + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed as T, headers: res.headers, text };
  }

  get = <T = any>(p: string, h?: Record<string, string>) => this.req<T>('GET', p, { headers: h });
  post = <T = any>(p: string, body?: unknown) => this.req<T>('POST', p, { body });
  patch = <T = any>(p: string, body?: unknown) => this.req<T>('PATCH', p, { body });
  delete = <T = any>(p: string) => this.req<T>('DELETE', p);

  /** Sign up and sign in with HTTP Basic at /oauth/authorizations, as Heroku's CLI does. */
  static async signUp(baseUrl: string, email: string, password = 'correct horse battery'): Promise<ApiClient> {
    const anon = new ApiClient(baseUrl);
    const r = await anon.post('/api/v1/users', { email, password });
    if (r.status !== 201) throw new Error(`sign-up failed: ${r.status} ${r.text}`);
    return ApiClient.login(baseUrl, email, password);
  }

  static async login(baseUrl: string, email: string, password: string): Promise<ApiClient> {
    const res = await fetch(`${baseUrl}/oauth/authorizations`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${email}:${password}`).toString('base64')}`, accept: 'application/vnd.heroku+json; version=3' },
    });
    const body = (await res.json()) as { access_token: { token: string } };
    if (res.status !== 201) throw new Error(`login failed: ${res.status}`);
    return new ApiClient(baseUrl, body.access_token.token);
  }
}
