// RemoteShell port: commands on a machine Slipway reaches over SSH (worker nodes).
// Promises: the server's host key is checked before authentication — a pinned fingerprint that
// differs, or no pinned fingerprint at all, ends the connection before any credential is sent and
// says which key was presented (HostKeyError); a command is an argv, quoted by one helper
// (shellQuote) for the remote shell, never a string built from input; stdin can carry data (a
// certificate) so it never appears in a command line; output arrives line by line; a timeout
// closes the channel. `display` is what logs show of a command (secrets left out).
// Leaves out: which commands to run (worker/services/nodes), retries.
import { AppError, UpstreamError } from '../errors.js';

export interface SshTarget {
  host: string;
  port: number;
  user: string;
  /** OpenSSH or PEM private key, decrypted in memory only. */
  privateKey: string;
  /** "SHA256:…" the server must present; null: refuse and report the presented key. */
  hostKeyFingerprint: string | null;
}

export interface RemoteCommand {
  argv: string[];
  /** How logs show the command (default: the quoted argv). Use it when an argument is secret. */
  display?: string;
}

export interface RemoteResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  stdin?: string | Buffer;
  timeoutMs?: number;
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface RemoteSession {
  exec(cmd: RemoteCommand, opts?: ExecOptions): Promise<RemoteResult>;
  close(): void;
}

export interface RemoteShell {
  open(target: SshTarget, opts?: { timeoutMs?: number }): Promise<RemoteSession>;
}

/** The server presented a host key other than the pinned one (or none was pinned yet). */
export class HostKeyError extends AppError {
  readonly status = 409;
  readonly code = 'host_key_mismatch';
  constructor(readonly presented: string, readonly expected: string | null) {
    super(expected
      ? `the node presented host key ${presented}, not the pinned ${expected}; refused before authentication`
      : `the node presented host key ${presented}; confirm it before Slipway authenticates`);
  }
}

/** The server refused our key (the public key is not in authorized_keys yet). */
export class SshAuthError extends UpstreamError {}
