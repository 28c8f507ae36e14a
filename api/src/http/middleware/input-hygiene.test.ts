// What the input checks refuse and let through (the HTTP behaviour is in e2e/integration/hostile-input).
import { describe, expect, it } from 'vitest';
import { badJson, badUrl } from './input-hygiene.js';

describe('badUrl', () => {
  it('accepts plain and well-encoded URLs', () => {
    for (const url of ['/apps', '/apps/my-app?x=1&y=%C3%A9', '/apps/%E2%9C%93', '/apps/%zz']) expect(badUrl(url), url).toBeNull();
  });
  it('refuses NUL bytes and bytes that are not UTF-8, encoded or raw', () => {
    expect(badUrl('/apps/a%00b')).toMatch(/NUL/);
    expect(badUrl('/apps?x=%00')).toMatch(/NUL/);
    for (const url of ['/apps/%ff', '/apps/%c0%ae', '/apps?x=%e2%28%a1', '/apps/\u00ff']) expect(badUrl(url), url).toMatch(/UTF-8/);
  });
});

describe('badJson', () => {
  it('accepts ordinary JSON, unicode included', () => {
    expect(badJson({ name: 'café ✓ 😀', list: [1, 'two', { three: null }] })).toBeNull();
  });
  it('finds NUL bytes and lone surrogates in keys and values at any depth', () => {
    expect(badJson({ a: [{ b: 'x\u0000y' }] })).toMatch(/NUL.*value/);
    expect(badJson({ a: { 'k\u0000': 1 } })).toMatch(/NUL.*key/);
    expect(badJson(['\ud800'])).toMatch(/lone surrogate/);
    expect(badJson({ x: '\udc00 tail' })).toMatch(/lone surrogate/);
  });
  it('walks very deep values without overflowing the stack', () => {
    let deep: unknown = 'x\u0000';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(badJson(deep)).toMatch(/NUL/);
  });
});
