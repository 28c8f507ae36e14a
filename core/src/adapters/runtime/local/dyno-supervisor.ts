// The per-dyno supervisor: a small root process, started detached by the worker (its own session,
// no pipes to the worker), that runs one sandboxed dyno (the sandbox command it is given) and keeps
// it independent of the worker: when the worker dies, the dyno keeps running and keeps logging,
// and the next worker attaches again. It:
// - reads its spec from stdin (the command, the environment of the launcher stages, the app's env),
//   hands the app's env to the sandbox on fd 3 (never through a root process's environment or a
//   file), and holds the dyno's stdout/stderr pipes;
// - serves a Unix socket (0600, root) to one worker at a time: NDJSON {t:"hello"|"line"|"exit"};
//   lines printed while no worker listens are kept (the last 2000) and sent on the next attach;
// - when the dyno ends, writes exit.json and waits for a worker to take the exit (or gives up
//   after 10 minutes without one; the next worker then reads exit.json).
// The sandbox runs with --die-with-parent: if this process is killed, so is the dyno.
// Entry point: runs when executed (node dyno-supervisor.js <run dir>). Reads no environment variables.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { chmod, rm } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Writable } from 'node:stream';
import { listen } from '../../../listen.js';
import { EXIT_FILE, SOCKET_NAME, sendEnv, splitLines, viaShortPath, type SupervisorMessage, type SupervisorSpec } from './supervisor-protocol.js';

const KEEP_LINES = 2_000;
const LINGER_MS = 10 * 60_000;

async function main(runDir: string): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const spec = JSON.parse(Buffer.concat(chunks).toString('utf8')) as SupervisorSpec;
  const sockPath = path.join(runDir, SOCKET_NAME);
  const pending: SupervisorMessage[] = [];
  let dropped = 0;
  let client: net.Socket | null = null;
  let exit: SupervisorMessage | null = null;
  let exitSentTo: net.Socket | null = null;

  const flush = () => {
    if (!client || client.destroyed) return;
    if (dropped) {
      client.write(`${JSON.stringify({ t: 'line', line: `[slipway] ${dropped} log lines dropped while no worker was attached` })}\n`);
      dropped = 0;
    }
    while (pending.length && client.writableLength < 1024 * 1024) client.write(`${JSON.stringify(pending.shift())}\n`);
    if (exit && !pending.length && exitSentTo !== client) {
      client.write(`${JSON.stringify(exit)}\n`);
      exitSentTo = client;
    }
  };
  const emit = (m: SupervisorMessage) => {
    pending.push(m);
    if (pending.length > KEEP_LINES) {
      pending.shift();
      dropped += 1;
    }
    flush();
  };

  const child = spawn(spec.file, spec.args, { env: spec.env, cwd: '/', stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  // if this process ends for any reason, so does the sandbox (bwrap's --die-with-parent covers
  // only the time after bwrap itself started)
  process.on('exit', () => {
    if (!exit && child.pid) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
  sendEnv(child.stdio[3] as Writable, spec.appEnv);
  for (const stream of [child.stdout!, child.stderr!]) void splitLines(stream, (line) => emit({ t: 'line', line }));

  await rm(sockPath, { force: true });
  const server = net.createServer((sock) => {
    client?.destroy();
    client = sock;
    sock.on('error', () => sock.destroy());
    sock.on('drain', flush);
    sock.on('close', () => {
      if (client === sock) client = null;
      if (exit) finish();
    });
    sock.write(`${JSON.stringify({ t: 'hello', supervisorPid: process.pid, childPid: child.pid ?? null })}\n`);
    flush();
  });
  await viaShortPath(runDir, (p) => listen(server, p));
  await chmod(sockPath, 0o600);

  let lingering: NodeJS.Timeout | undefined;
  const finish = () => {
    clearTimeout(lingering);
    server.close();
    process.exit(0);
  };
  const onExit = (code: number | null, signal: string | null, error?: string) => {
    if (exit) return;
    exit = { t: 'exit', code, signal, ...(error ? { error } : {}) };
    writeFileSync(path.join(runDir, EXIT_FILE), JSON.stringify(exit), { mode: 0o600 });
    // output still in the pipes belongs before the exit; a grandchild holding them open does not delay it
    setTimeout(() => {
      flush();
      lingering = setTimeout(finish, LINGER_MS);
    }, 100);
  };
  child.once('error', (err) => onExit(null, null, err.message));
  child.once('exit', (code, signal) => onExit(code, signal));
}

const runDir = process.argv[2];
if (runDir && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(runDir).catch((err: unknown) => {
    process.stderr.write(`dyno supervisor: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
