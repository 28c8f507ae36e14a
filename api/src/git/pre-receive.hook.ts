// The pre-receive hook program (run by `git receive-pack` for every push to an app repository).
// It tells the api which refs are being pushed; if the push deploys, it streams `git archive` of
// the pushed commit to the api and then prints the build's output as it happens (git shows it to
// the pusher as `remote:` lines). Exit 0 accepts the push (the branch moves), anything else
// rejects it. It inherits git's environment, which lets `git archive` see the quarantined objects.
// This file is an entry point like main.ts: it reads its own environment.
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';

const url = process.env.SLIPWAY_PUSH_URL;
const secret = process.env.SLIPWAY_PUSH_SECRET;
const out = (line: string) => process.stdout.write(`${line}\n`);

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(): Promise<number> {
  if (!url || !secret) {
    out('!     This repository only accepts pushes through Slipway.');
    return 1;
  }
  const updates = (await readStdin())
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [oldSha, newSha, ref] = l.split(' ');
      return { oldSha, newSha, ref };
    });
  const headers = { 'x-slipway-push-secret': secret };
  const refs = await fetch(`${url}/refs`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ updates }) });
  const verdict = (await refs.json()) as { ok: boolean; message?: string; sha?: string };
  if (!verdict.ok || !verdict.sha) {
    for (const l of (verdict.message ?? 'Push rejected.').split('\n')) out(`!     ${l}`);
    return 1;
  }

  // `git archive` of the validated commit id (40/64 hex, checked by the api) → the api.
  const archive = spawn('git', ['archive', '--format=tar', verdict.sha], { stdio: ['ignore', 'pipe', 'inherit'] });
  const archiveDone = new Promise<number>((resolve) => archive.on('close', (code) => resolve(code ?? 1)));
  const res = await fetch(`${url}/source`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/x-tar' },
    body: Readable.toWeb(archive.stdout) as ReadableStream,
    duplex: 'half',
  } as RequestInit);
  if ((await archiveDone) !== 0) {
    out('!     Could not read the pushed commit.');
    return 1;
  }
  if (!res.ok || !res.body) {
    out(`!     Slipway could not start the build (${res.status}).`);
    return 1;
  }
  // NDJSON: {"line": "..."} … then {"end": {"status", "message"}}
  let buf = '';
  let status = 'failed';
  for await (const chunk of Readable.fromWeb(res.body as never)) {
    buf += (chunk as Buffer).toString('utf8');
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const msg = JSON.parse(buf.slice(0, i)) as { line?: string; end?: { status: string; message: string } };
      buf = buf.slice(i + 1);
      if (msg.line !== undefined) out(msg.line);
      if (msg.end) {
        status = msg.end.status;
        if (status !== 'succeeded') for (const l of (msg.end.message || 'Build failed.').split('\n')) out(`!     ${l}`);
      }
    }
  }
  return status === 'succeeded' ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    out(`!     Push failed inside Slipway: ${err.message}`);
    process.exit(1);
  },
);
