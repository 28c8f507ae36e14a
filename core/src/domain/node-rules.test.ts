// Node connection details are refused before anything connects, and shellQuote gives the remote
// shell exactly the argv it was given (checked against a real /bin/sh).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.js';
import {
  hostKeyFingerprint, nodeNameFromHost, shellQuote, validateFingerprint, validateNodeHost, validateNodePort, validatePlacementConstraints,
  validateRoles, validateSshUser,
} from './node-rules.js';

describe('node rules', () => {
  it('accepts IP literals and DNS names as hosts, and nothing a shell or ssh could read otherwise', () => {
    expect(validateNodeHost('10.0.0.7')).toBe('10.0.0.7');
    expect(validateNodeHost('fd00::2')).toBe('fd00::2');
    expect(validateNodeHost('Node-1.Example.com')).toBe('node-1.example.com');
    expect(validateNodeHost('node1')).toBe('node1');
    for (const bad of ['1.2.3.4;id', '$(reboot)', '-oProxyCommand=x', 'a b', 'host:22', 'fe80::1%eth0', '', '1.2.3.4.5', 'x'.repeat(254), 'a..b', 'exa_mple.com', 42]) {
      expect(() => validateNodeHost(bad), String(bad)).toThrow(ValidationError);
    }
  });

  it('accepts whole-number ports only', () => {
    expect(validateNodePort(22)).toBe(22);
    expect(validateNodePort('2222')).toBe(2222);
    for (const bad of ['22 -oProxyCommand=x', '22;id', 0, 65536, 22.5, '0x16', '', null, ' 22']) {
      expect(() => validateNodePort(bad), String(bad)).toThrow(/port must be a whole number/);
    }
  });

  it('accepts portable user names, never option-like ones', () => {
    expect(validateSshUser('root')).toBe('root');
    expect(validateSshUser('deploy_2')).toBe('deploy_2');
    for (const bad of ['-oProxyCommand=x', '-l', 'root;id', 'Root', 'a b', '', 'x'.repeat(33), 'root@host']) {
      expect(() => validateSshUser(bad), bad).toThrow(/user must be/);
    }
  });

  it('names nodes from their host, and checks roles and fingerprints', () => {
    expect(nodeNameFromHost('10.0.0.7')).toBe('node-10-0-0-7');
    expect(nodeNameFromHost('web1.example.com')).toBe('web1-example-com');
    expect(validateRoles(['edge', 'edge'])).toEqual(['edge']);
    expect(() => validateRoles(['manager'])).toThrow(/roles/);
    const fp = hostKeyFingerprint(Buffer.from('some host key blob'));
    expect(fp).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
    expect(validateFingerprint(fp.slice('SHA256:'.length))).toBe(fp);
    expect(() => validateFingerprint('MD5:aa:bb')).toThrow(/SHA256/);
  });

  it('takes placement constraints of the documented form only', () => {
    expect(validatePlacementConstraints(['node.labels.slipway.pool == big', 'node.role!=manager'])).toEqual(['node.labels.slipway.pool==big', 'node.role!=manager']);
    for (const bad of [['node.id==x; rm -rf /'], ['engine.labels.x==y'], ['node.labels.a=b'], 'node.role==worker']) {
      expect(() => validatePlacementConstraints(bad), JSON.stringify(bad)).toThrow(ValidationError);
    }
  });

  it('quotes an argv so that the remote shell sees exactly that argv', () => {
    const argv = ['printf', '%s\\n', "it's", '$(id)', '`id`', 'a b', '"q"', '-oProxyCommand=x', '', ';', '*', 'plain/path:1.2'];
    const out = execFileSync('/bin/sh', ['-c', shellQuote(argv)], { encoding: 'utf8' });
    expect(out).toBe(argv.slice(2).map((a) => `${a}\n`).join(''));
    expect(shellQuote(['docker', 'info'])).toBe('docker info');
    expect(() => shellQuote(['a\0b'])).toThrow();
  });
});
