// The node form of the containers' egress guard: the argv provisioning sends over SSH.
import { describe, expect, it } from 'vitest';
import { GUARD, guardRunArgv } from './docker-egress-guard.js';

describe('guardRunArgv', () => {
  it('runs the guard script as one argument of the image after "--", with the api let through', () => {
    const argv = guardRunArgv('10.0.0.2:5000/slipway/stack:abc', { ip: '10.0.0.1', port: 8080 });
    const end = argv.indexOf('--');
    expect(argv.slice(end + 1)).toEqual(['10.0.0.2:5000/slipway/stack:abc', '-c', GUARD, 'slipway-guard', 'apply']);
    expect(argv.slice(0, end)).toEqual(expect.arrayContaining(['--network', 'host', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges', '--env', 'SLW_API_IP=10.0.0.1', '--env', 'SLW_API_PORT=8080']));
  });

  it('lets no api through when its address is not an IPv4 address', () => {
    const argv = guardRunArgv('stack', { ip: 'api.example.com', port: 443 });
    expect(argv).toContain('SLW_API_IP=');
    expect(argv.join(' ')).not.toContain('api.example.com');
  });
});
