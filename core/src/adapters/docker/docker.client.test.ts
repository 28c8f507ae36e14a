// Docker endpoint settings → dockerode options (no engine needed).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerConnectionInfo, createDockerClient, dockerOptions } from './docker.client.js';

describe('dockerOptions', () => {
  it('unix sockets, plain TCP and TCP with TLS', async () => {
    expect(dockerOptions({ host: 'unix:///var/run/docker.sock' })).toEqual({ socketPath: '/var/run/docker.sock' });
    expect(dockerOptions({ host: 'tcp://10.1.2.3:2375' })).toEqual({ host: '10.1.2.3', port: 2375, protocol: 'http' });
    const dir = await mkdtemp(path.join(tmpdir(), 'slw-tls-'));
    for (const f of ['ca.pem', 'cert.pem', 'key.pem']) await writeFile(path.join(dir, f), `${f}-content`);
    const tls = dockerOptions({ host: 'tcp://manager.example.net:2376', tlsDir: dir });
    expect(tls).toMatchObject({ host: 'manager.example.net', port: 2376, protocol: 'https' });
    expect(String(tls.ca)).toBe('ca.pem-content');
    await rm(dir, { recursive: true });
  });

  it('refuses anything else', () => {
    for (const host of ['http://x:1', 'tcp://x', 'ssh://u@h', 'tcp://h:1/x?y', '/var/run/docker.sock']) {
      expect(() => dockerOptions({ host }), host).toThrow(/unix:\/\/\/path or tcp:\/\/host:port/);
    }
  });

  it('an unreachable engine is reported, not thrown', async () => {
    const info = await dockerConnectionInfo(createDockerClient({ host: 'unix:///nonexistent/docker.sock' }), 'unix:///nonexistent/docker.sock');
    expect(info).toMatchObject({ reachable: false, host: 'unix:///nonexistent/docker.sock' });
    expect(info.error).toMatch(/ENOENT|connect/);
  });
});
