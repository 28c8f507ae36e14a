// Test and bench support (never used by server code): a free TCP port on loopback for a server a
// test starts a moment later. The kernel picks a port no socket holds, at random; until the server
// binds it, the next pick (a stack takes six) or another test file running in parallel could be
// handed the same port. So each port handed out is claimed once for the whole run by a file in
// SLIPWAY_TEST_SCRATCH/ports (created exclusively), and a port already claimed is passed over.
// Without a scratch dir (a test run by hand) only this process's own claims are remembered.
import { mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { listen } from '../listen.js';

const claimed = new Set<number>();

async function pick(): Promise<number> {
  const s = net.createServer();
  await listen(s, 0, '127.0.0.1');
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

/** Claim `port` for this run; false when it was claimed before (here or by another process). */
function claim(port: number): boolean {
  if (claimed.has(port)) return false;
  claimed.add(port);
  // eslint-disable-next-line no-restricted-properties -- test support reads the harness's variables
  const scratch = process.env.SLIPWAY_TEST_SCRATCH;
  if (!scratch) return true;
  const dir = path.join(scratch, 'ports');
  mkdirSync(dir, { recursive: true });
  try {
    writeFileSync(path.join(dir, String(port)), String(process.pid), { flag: 'wx' });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 200; tries++) {
    const port = await pick();
    if (claim(port)) return port;
  }
  throw new Error('no unclaimed free port after 200 tries');
}
