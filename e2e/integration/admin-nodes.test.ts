// The nodes API on the local runtime (no swarm): what it validates before anything could connect,
// who may use it, and that it says plainly that nodes need the swarm runtime. (Nodes on a real
// swarm, over real SSH: the cluster tier, e2e/cluster.)
import { generateEd25519KeyPair } from '@slipway/core/adapters/ssh/ssh2.remote-shell';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { ApiClient } from '../support/client.js';

let h: ApiHarness;
let admin: ApiClient;
let user: ApiClient;
const key = generateEd25519KeyPair().private;

beforeAll(async () => {
  h = await startApiHarness();
  const first = await h.ctx.http.services.users.ensureFirstAdmin('root@example.com', undefined);
  admin = await ApiClient.login(h.url, 'root@example.com', first.password!);
  user = await ApiClient.signUp(h.url, 'user@example.com');
});
afterAll(async () => h?.close());

describe('admin nodes api', () => {
  it('is for platform admins only', async () => {
    expect((await user.get('/api/v1/admin/nodes')).status).toBe(403);
    expect((await user.post('/api/v1/admin/nodes', { host: '10.0.0.7', generate_key: true })).status).toBe(403);
    expect((await new ApiClient(h.url).get('/api/v1/admin/notifications')).status).toBe(401);
  });

  it('refuses bad host, port, user and key input with 400 naming the rule', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ host: '1.2.3.4;id', private_key: key }, 'host'],
      [{ host: '10.0.0.7', port: '22 -oProxyCommand=x', private_key: key }, 'port'],
      [{ host: '10.0.0.7', user: '-oProxyCommand=x', private_key: key }, 'user'],
      [{ host: '10.0.0.7', private_key: key, host_key_fingerprint: 'md5:aa' }, 'host_key_fingerprint'],
      [{ host: '10.0.0.7', private_key: key.replace('PRIVATE', 'PUBLIC') }, 'private_key'],
      [{ host: '10.0.0.7' }, 'private_key'],
      [{ host: '10.0.0.7', private_key: key, generate_key: true }, 'private_key'],
      [{ host: '10.0.0.7', roles: ['manager'], generate_key: true }, 'roles'],
      [{ host: '10.0.0.7', generate_key: true, shell: 'bash' }, 'shell'],
    ];
    for (const [body, field] of cases) {
      const r = await admin.post('/api/v1/admin/nodes', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.text).toContain(field);
      expect(r.text).not.toContain('PRIVATE KEY');
    }
    expect((await admin.get('/api/v1/admin/nodes')).body).toEqual([]);
  });

  it('says that nodes need the swarm runtime', async () => {
    const r = await admin.post('/api/v1/admin/nodes', { host: '10.0.0.7', private_key: key });
    expect(r.status).toBe(409);
    expect(r.body.error.message).toMatch(/swarm runtime/);
    expect((await admin.get('/api/v1/admin/nodes/nope')).status).toBe(404);
    expect((await admin.get('/api/v1/admin/notifications')).body).toEqual([]);
  });
});
