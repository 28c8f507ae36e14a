// The pre-receive hook program (run by `git receive-pack` for every push to an app repository).
// It tells the api which refs are being pushed; if the push deploys, it streams `git archive` of
// the pushed commit to the api and then prints the build's output as it happens (git shows it to
// the pusher as `remote:` lines). Exit 0 accepts the push (the branch moves), anything else
// rejects it. It inherits git's environment, which lets `git archive` see the quarantined objects.
// Once a build exists, the verdict is that build's own outcome: when the output stream breaks
// (the api restarted, a connection dropped) the hook follows the build again with its token until
// the build ends, so a push is never reported rejected while its build goes on to deploy.
// If `git archive` fails, the upload is aborted, so no build starts from a partial tree.
// This file is an entry point like main.ts: it reads its own environment.
import { spawn } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';

const url = process.env.SLIPWAY_PUSH_URL;
const secret = process.env.SLIPWAY_PUSH_SECRET;
const out = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Message = { line?: string; end?: { status: string; message: string }; build?: string; token?: string; until?: number };

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads NDJSON messages until the body ends or breaks (a break ends the iteration quietly). */
async function* messages(body: ReadableStream<Uint8Array>): AsyncIterable<Message> {
  let buf = '';
  try {
    for await (const chunk of Readable.fromWeb(body as never)) {
      buf += (chunk as Buffer).toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const text = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (text.trim()) yield JSON.parse(text) as Message;
      }
    }
  } catch {
    /* the stream broke: the caller follows again */
  }
}

/** Prints one stream's lines after the first `printed`; returns the new count and the end, if seen. */
async function print(body: ReadableStream<Uint8Array>, state: { printed: number; seen: number; build?: string; token?: string; until?: number }) {
  state.seen = 0;
  for await (const msg of messages(body)) {
    if (msg.build) Object.assign(state, { build: msg.build, token: msg.token, until: msg.until });
    if (msg.line !== undefined) {
      state.seen += 1;
      if (state.seen > state.printed) {
        out(msg.line);
        state.printed = state.seen;
      }
    }
    if (msg.end) return msg.end;
  }
  return null;
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

  // `git archive` of the validated commit id (40/64 hex, checked by the api) → the api. The upload
  // ends only when git archive succeeded; otherwise it is aborted.
  const archive = spawn('git', ['archive', '--format=tar', verdict.sha], { stdio: ['ignore', 'pipe', 'inherit'] });
  const upload = new PassThrough();
  archive.stdout.pipe(upload, { end: false });
  const archiveDone = new Promise<number>((resolve) =>
    archive.on('close', (code) => {
      if (code === 0) upload.end();
      else upload.destroy(new Error('git archive failed'));
      resolve(code ?? 1);
    }),
  );
  const res = await fetch(`${url}/source`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/x-tar' },
    body: Readable.toWeb(upload) as ReadableStream,
    duplex: 'half',
  } as RequestInit).catch(() => null);
  if ((await archiveDone) !== 0) {
    out('!     Could not read the pushed commit.');
    return 1;
  }
  if (!res?.ok || !res.body) {
    out(`!     Slipway could not start the build (${res?.status ?? 'no answer'}).`);
    return 1;
  }

  // NDJSON: {"build","token","until"}, {"line"} …, {} (keep-alive), then {"end": {status, message}}
  const state: { printed: number; seen: number; build?: string; token?: string; until?: number } = { printed: 0, seen: 0 };
  let end = await print(res.body, state);
  if (!end && state.build && state.token) {
    const followUrl = new URL(`/internal/git/builds/${state.build}/follow`, url);
    const giveUpAt = (state.until ?? Date.now() + 30 * 60_000) + 60_000;
    let delay = 1_000;
    while (!end && Date.now() < giveUpAt) {
      await sleep(delay);
      delay = Math.min(delay * 2, 5_000);
      const again = await fetch(followUrl, { headers: { 'x-slipway-build-token': state.token } }).catch(() => null);
      if (!again?.ok || !again.body) continue;
      delay = 1_000;
      end = await print(again.body, state);
    }
  }
  if (!end) {
    out('!     Lost track of the build; see `slipway builds` or the dashboard for its outcome.');
    return 1;
  }
  if (end.status !== 'succeeded') for (const l of (end.message || 'Build failed.').split('\n')) out(`!     ${l}`);
  return end.status === 'succeeded' ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    out(`!     Push failed inside Slipway: ${err.message}`);
    process.exit(1);
  },
);
