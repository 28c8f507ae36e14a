// Processes seen through /proc: a pid's kernel start time (so a recycled pid is never mistaken for
// the process it once was), its children, and signalling a sandbox. A bubblewrap sandbox is its
// outer bwrap process, whose one child is the init of the sandbox's PID namespace; every process of
// the sandbox descends from that init (orphans are re-parented to it).
// Leaves out: starting processes (dyno-process.ts).
import { readdirSync, readFileSync } from 'node:fs';

/** Kernel start time of a process (field 22 of /proc/PID/stat), or null when it is gone. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

/** The process is the one recorded (same pid and start time) and not a zombie. */
export function sameProcess(pid: number, startTime: string | null): boolean {
  if (!Number.isInteger(pid) || pid <= 1 || startTime === null) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] !== 'Z' && fields[19] === startTime;
  } catch {
    return false;
  }
}

export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const text = readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim();
      if (text) out.push(...text.split(/\s+/).map(Number));
    }
  } catch {
    // gone
  }
  return out;
}

export function descendantsOf(pid: number): number[] {
  const out: number[] = [];
  const queue = childrenOf(pid);
  while (queue.length) {
    const p = queue.shift()!;
    out.push(p);
    queue.push(...childrenOf(p));
  }
  return out;
}

function kill(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone
  }
}

/**
 * Signals the sandbox whose outer bwrap process is `bwrapPid`. SIGKILL ends its PID namespace's
 * init, and with it every process of the sandbox (and bwrap itself). Any other signal goes to every
 * process inside (Heroku's "all processes get SIGTERM"), not to the init, which would ignore it.
 */
export function signalSandbox(bwrapPid: number, sig: NodeJS.Signals): void {
  const inits = childrenOf(bwrapPid);
  if (sig === 'SIGKILL') {
    for (const p of inits) kill(p, 'SIGKILL');
    kill(bwrapPid, 'SIGKILL');
    return;
  }
  for (const init of inits) for (const p of descendantsOf(init)) kill(p, sig);
}
