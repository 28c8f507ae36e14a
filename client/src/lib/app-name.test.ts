import { describe, expect, it } from 'vitest';
import { appNameProblem } from './app-name';

describe('appNameProblem', () => {
  it('accepts what the API accepts', () => {
    for (const n of ['ab', 'my-app', 'a1-b2', 'x'.repeat(30)]) expect(appNameProblem(n)).toBeNull();
  });
  it('names the broken rule', () => {
    expect(appNameProblem('a')).toMatch(/2 characters/);
    expect(appNameProblem('1abc')).toMatch(/start with a lowercase letter/);
    expect(appNameProblem('My-App')).toMatch(/start with a lowercase/);
    expect(appNameProblem('my_app')).toMatch(/Only lowercase/);
    expect(appNameProblem('abc-')).toMatch(/end with a dash/);
    expect(appNameProblem('a--b')).toMatch(/two dashes/);
    expect(appNameProblem('admin')).toMatch(/reserved/);
    expect(appNameProblem('a'.repeat(31))).toMatch(/30/);
  });
});
