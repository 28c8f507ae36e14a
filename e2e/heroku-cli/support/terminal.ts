// Test support: a program in a pseudo-terminal (util-linux `script`), driven like a person at a
// keyboard: wait until the screen shows something, type, repeat. What it printed, its exit code.
import { spawn } from 'node:child_process';
import type { CliResult } from './cli.js';

export interface Step {
  /** Wait until the output (since the previous step) matches. */
  expect: RegExp;
  /** Then type this ("\r" is Enter). */
  send: string;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]|\u001b[()][A-Z0-9]/g;
const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;

export function inTerminal(file: string, args: string[], env: Record<string, string>, steps: Step[], timeoutMs = 90_000): Promise<CliResult & { stepsDone: number }> {
  return new Promise((resolve) => {
    // `script -c` takes one command line: the program and its arguments, each quoted
    const p = spawn('script', ['-q', '-e', '-c', [file, ...args].map(quote).join(' '), '/dev/null'], { env: { TERM: 'xterm', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    let seen = 0;
    let step = 0;
    const advance = () => {
      while (step < steps.length && steps[step]!.expect.test(output.slice(seen).replace(ANSI, ''))) {
        seen = output.length;
        p.stdin.write(steps[step]!.send);
        step++;
      }
    };
    const onData = (d: string) => {
      output += d;
      advance();
    };
    p.stdout.setEncoding('utf8').on('data', onData);
    p.stderr.setEncoding('utf8').on('data', onData);
    p.stdin.on('error', () => undefined);
    const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('close', (code) => {
      clearTimeout(timer);
      const clean = output.replace(ANSI, '');
      resolve({ code: code ?? 1, stdout: clean, stderr: '', output: clean, stepsDone: step });
    });
  });
}
