// Procfile parsing: the text a developer commits, and what a user sees when it is wrong.
import { describe, expect, it } from 'vitest';
import { parseProcfile } from './procfile.js';

describe('parseProcfile', () => {
  it('reads type: command lines, skipping comments and blank lines, accepting CRLF and a BOM', () => {
    const text = '\uFEFF# processes\r\nweb: node server.js --port $PORT\r\n\r\n   \r\n  # indented comment\r\nworker:bundle exec sidekiq -q a:b\r\nrelease: ./migrate.sh\r\n';
    expect(parseProcfile(text)).toEqual({
      web: 'node server.js --port $PORT',
      worker: 'bundle exec sidekiq -q a:b',
      release: './migrate.sh',
    });
  });

  it('keeps shell syntax in the command as text', () => {
    expect(parseProcfile('web: echo "a: b" && sleep 1; touch /tmp/x\n')).toEqual({ web: 'echo "a: b" && sleep 1; touch /tmp/x' });
  });

  it('accepts types with digits, dashes and underscores', () => {
    expect(Object.keys(parseProcfile('web2: a\nclock_job: b\nmail-worker: c'))).toEqual(['web2', 'clock_job', 'mail-worker']);
  });

  it('is empty for an empty or comment-only file', () => {
    expect(parseProcfile('')).toEqual({});
    expect(parseProcfile('# nothing\n\n')).toEqual({});
  });

  it('refuses a type declared twice, naming both lines', () => {
    expect(() => parseProcfile('web: a\nworker: b\nweb: c\n')).toThrow('Procfile line 3: process type "web" is declared twice (first on line 1)');
  });

  it('refuses bad type names', () => {
    expect(() => parseProcfile('Web: node a.js')).toThrow(/line 1: process type "Web" must match/);
    expect(() => parseProcfile('1web: node a.js')).toThrow(/process type "1web" must match/);
    expect(() => parseProcfile('we.b: node a.js')).toThrow(/process type "we.b" must match/);
    expect(() => parseProcfile(`${'a'.repeat(31)}: x`)).toThrow(/must match/);
  });

  it('refuses lines without a colon or without a command', () => {
    expect(() => parseProcfile('web node a.js')).toThrow('Procfile line 1: expected "type: command", got "web node a.js"');
    expect(() => parseProcfile('\n\nweb:   \n')).toThrow('Procfile line 3: process type "web" has no command');
    expect(() => parseProcfile(': node a.js')).toThrow(/line 1: expected "type: command"/);
  });
});
