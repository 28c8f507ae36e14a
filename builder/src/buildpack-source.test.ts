// Fake: DNS answers are injected into checkHost (no public DNS here). Buildpack references and the
// host policy: what an app may name, and what is refused before git runs.
import { describe, expect, it } from 'vitest';
import { checkHost, isPublicAddress } from './address-policy.js';
import { parseBuildpackRef, parseBuildpacksFile, validateGitRef } from './buildpack-source.js';

describe('parseBuildpackRef', () => {
  it('knows the built-ins and their heroku/ aliases', () => {
    expect(parseBuildpackRef('nodejs')).toEqual({ kind: 'builtin', name: 'nodejs', display: 'nodejs' });
    expect(parseBuildpackRef(' heroku/python ')).toMatchObject({ kind: 'builtin', name: 'python' });
  });

  it('reads git URLs with an optional #ref and hides credentials in what it displays', () => {
    expect(parseBuildpackRef('https://github.com/heroku/heroku-buildpack-nodejs.git#v250')).toEqual({
      kind: 'git', url: 'https://github.com/heroku/heroku-buildpack-nodejs.git', ref: 'v250',
      display: 'https://github.com/heroku/heroku-buildpack-nodejs.git#v250',
    });
    const secret = parseBuildpackRef('https://user:tok3n@git.example.com/bp.git');
    expect(secret).toMatchObject({ url: 'https://user:tok3n@git.example.com/bp.git', ref: null });
    expect(secret.display).toBe('https://***@git.example.com/bp.git');
  });

  it('refuses other protocols and things that are not URLs', () => {
    expect(() => parseBuildpackRef('ext::sh -c touch% /tmp/x')).toThrow(/must use https, http or git, not ext/);
    expect(() => parseBuildpackRef('ssh://git@host/bp.git')).toThrow(/not ssh/);
    expect(() => parseBuildpackRef('file:///etc')).toThrow(/not file/);
    expect(() => parseBuildpackRef('-uupload-pack=x')).toThrow(/neither a built-in buildpack/);
    expect(() => parseBuildpackRef('ruby')).toThrow(/neither a built-in buildpack \(nodejs, python, static, procfile\) nor a URL/);
  });

  it('refuses refs that git would not accept or that read as options', () => {
    for (const ref of ['--upload-pack=touch /tmp/x', '-h', 'main;touch /tmp/x', 'a..b', 'a//b', 'v1.lock', 'x/', '.hidden', 'a@{1}', 'a b', '']) {
      expect(() => validateGitRef(ref), ref).toThrow(/is not a valid branch or tag name/);
    }
    for (const ref of ['main', 'v1.2.3', 'release/2024-01', 'feature_x']) expect(validateGitRef(ref)).toBe(ref);
    expect(() => parseBuildpackRef('https://example.com/bp.git#--upload-pack=x')).toThrow(/"--upload-pack=x" is not a valid/);
  });

  it('reads .buildpacks files, skipping comments and blank lines', () => {
    expect(parseBuildpacksFile('# first\r\nhttps://a.example/x.git\r\n\r\n  nodejs  \n')).toEqual(['https://a.example/x.git', 'nodejs']);
  });
});

describe('address policy', () => {
  it('tells public addresses from private, loopback, link-local and unique-local ones', () => {
    for (const a of ['8.8.8.8', '140.82.112.3', '2606:4700::1111']) expect(isPublicAddress(a), a).toBe(true);
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0',
      '::1', '::', 'fe80::1', 'fd00::1', 'fc00::5', '::ffff:127.0.0.1', '::ffff:7f00:1', '64:ff9b::10.0.0.1', 'not-an-ip']) {
      expect(isPublicAddress(a), a).toBe(false);
    }
  });

  it('refuses a name that resolves to any private address and pins the checked address otherwise', async () => {
    const lookup = async (name: string) => (name === 'evil.example' ? ['93.184.216.34', '10.0.0.1'] : ['93.184.216.34']);
    await expect(checkHost(new URL('https://evil.example/bp.git'), [], lookup)).rejects.toThrow('buildpack host evil.example resolves to 10.0.0.1');
    await expect(checkHost(new URL('https://good.example/bp.git'), [], lookup)).resolves.toEqual({ address: '93.184.216.34' });
    await expect(checkHost(new URL('http://[::1]:8080/bp.git'), [], lookup)).rejects.toThrow(/resolves to ::1/);
  });

  it('lets an operator allow a host, with or without its port', async () => {
    const lookup = async () => ['10.0.0.7'];
    await expect(checkHost(new URL('git://git.internal:9418/bp.git'), ['git.internal:9418'], lookup)).resolves.toEqual({});
    await expect(checkHost(new URL('https://git.internal/bp.git'), ['GIT.internal'], lookup)).resolves.toEqual({});
    await expect(checkHost(new URL('https://git.internal:444/bp.git'), ['git.internal:443'], lookup)).rejects.toThrow(/resolves to 10\.0\.0\.7/);
  });
});
