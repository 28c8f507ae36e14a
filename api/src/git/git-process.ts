// Runs git's own server programs (upload-pack / receive-pack) for one repository: file + argv,
// no shell. The environment is minimal plus the push's hook callback (for receive-pack) and the
// client's protocol version.
import { spawn, type ChildProcess } from 'node:child_process';
import { SAFE_PATH } from '@slipway/core/adapters/command/spawn.command-runner';
import type { GitService } from '../services/push.service.js';

export interface GitProcessSpec {
  service: GitService;
  repoDir: string;
  statelessRpc: boolean;
  advertiseRefs?: boolean;
  protocol?: string;
  hookEnv?: Record<string, string>;
  /** receive-pack only: the largest pack git accepts (receive.maxInputSize). */
  maxInputBytes?: number;
}

export function spawnGit(spec: GitProcessSpec): ChildProcess {
  const args = spec.maxInputBytes ? ['-c', `receive.maxInputSize=${Math.floor(spec.maxInputBytes)}`] : [];
  args.push(spec.service === 'git-receive-pack' ? 'receive-pack' : 'upload-pack');
  if (spec.statelessRpc) args.push('--stateless-rpc');
  if (spec.advertiseRefs) args.push('--advertise-refs');
  args.push('--', spec.repoDir);
  const env: Record<string, string> = { PATH: SAFE_PATH, HOME: '/nonexistent', GIT_CONFIG_NOSYSTEM: '1', ...(spec.hookEnv ?? {}) };
  if (spec.protocol && /^version=[0-9]$/.test(spec.protocol)) env.GIT_PROTOCOL = spec.protocol;
  return spawn('git', args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** git's pkt-line framing, for the smart HTTP service announcement. */
export function pktLine(s: string): string {
  return (s.length + 4).toString(16).padStart(4, '0') + s;
}
