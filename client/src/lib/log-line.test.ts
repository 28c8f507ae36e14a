import { describe, expect, it } from 'vitest';
import { matches, parseLogLine } from './log-line';

describe('log lines', () => {
  const e = parseLogLine('2024-05-01T10:00:00.000Z app[web.1]: listening on 5000', 1);
  it('parses timestamp, source, dyno and text', () => {
    expect(e).toMatchObject({ ts: '2024-05-01T10:00:00.000Z', source: 'app', dyno: 'web.1', text: 'listening on 5000' });
    expect(parseLogLine('garbage', 2).text).toBe('garbage');
  });
  it('filters by text, dyno (type or exact) and source', () => {
    expect(matches(e, { text: 'LISTEN', dyno: '', source: '' })).toBe(true);
    expect(matches(e, { text: '', dyno: 'web', source: 'app' })).toBe(true);
    expect(matches(e, { text: '', dyno: 'web.2', source: '' })).toBe(false);
    expect(matches(e, { text: '', dyno: 'we', source: '' })).toBe(false);
    expect(matches(e, { text: '', dyno: '', source: 'platform' })).toBe(false);
  });
});
