// The rules a node's connection details follow, checked before anything connects, plus the two
// helpers every command sent to a node goes through: host-key fingerprints and POSIX quoting.
// Promises: a host is an IPv4/IPv6 literal or a DNS name (nothing else reaches a socket or a log);
// a port is a whole number 1-65535 given as a number or digits only; an SSH user is a portable
// user name (never option-like); shellQuote() turns an argv into one string the remote shell
// splits back into exactly that argv. Messages name the rule that was broken.
// Leaves out: connecting (adapters/ssh), what commands provisioning sends (worker).
import { createHash } from 'node:crypto';
import net from 'node:net';
import { ValidationError } from '../errors.js';
import { printable } from '../naming.js';

export type NodeStatus =
  | 'pending' | 'awaiting_host_key' | 'provisioning' | 'ready' | 'failed' | 'untrusted'
  | 'down' | 'draining' | 'drained' | 'removing';

/** Provisioning's steps, in order (the worker runs them; the admin console lists them). */
export const PROVISION_STEPS = [
  { name: 'check', title: 'Checking the OS and resources' },
  { name: 'docker', title: 'Installing Docker (if missing)' },
  { name: 'start-docker', title: 'Starting Docker' },
  { name: 'registry', title: 'Trusting the private registry' },
  { name: 'guard', title: "Fencing the containers' network" },
  { name: 'join', title: 'Joining the swarm' },
  { name: 'label', title: 'Labelling the node' },
  { name: 'verify', title: 'Waiting for the node to be Ready' },
] as const;

export const NODE_ROLES = ['edge'] as const;
export type NodeRole = (typeof NODE_ROLES)[number];

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export function validateNodeHost(host: unknown): string {
  const rule = 'an IPv4 or IPv6 address, or a DNS name of letters, digits, dashes and dots';
  if (typeof host !== 'string' || !host.length || host.length > 253) throw new ValidationError(`host must be ${rule}.`, { field: 'host' });
  if (net.isIPv4(host)) return host;
  if (net.isIPv6(host) && !host.includes('%')) return host.toLowerCase();
  const lower = host.toLowerCase();
  const labels = lower.split('.');
  if (!labels.every((l) => DNS_LABEL.test(l)) || /^\d+$/.test(labels.at(-1)!)) {
    throw new ValidationError(`host "${printable(host)}" must be ${rule}.`, { field: 'host' });
  }
  return lower;
}

export function validateNodePort(port: unknown): number {
  const n = typeof port === 'number' ? port : typeof port === 'string' && /^\d{1,5}$/.test(port) ? Number(port) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new ValidationError(`port must be a whole number from 1 to 65535${typeof port === 'string' ? ` (got "${printable(port)}")` : ''}.`, { field: 'port' });
  }
  return n;
}

export const SSH_USER_RULE = '^[a-z_][a-z0-9_-]{0,31}$';
const SSH_USER_RE = new RegExp(SSH_USER_RULE);
export function validateSshUser(user: unknown): string {
  if (typeof user !== 'string' || !SSH_USER_RE.test(user)) {
    throw new ValidationError(`user must be a user name of lowercase letters, digits, "_" and "-", not starting with "-" (${SSH_USER_RULE})${typeof user === 'string' ? `; got "${printable(user)}"` : ''}.`, { field: 'user', rule: SSH_USER_RULE });
  }
  return user;
}

export const NODE_NAME_RULE = '^[a-z][a-z0-9-]{0,62}$';
const NODE_NAME_RE = new RegExp(NODE_NAME_RULE);
export function validateNodeName(name: unknown): string {
  if (typeof name !== 'string' || !NODE_NAME_RE.test(name) || name.endsWith('-')) {
    throw new ValidationError(`name must start with a letter and use lowercase letters, digits and dashes, at most 63 (${NODE_NAME_RULE}).`, { field: 'name' });
  }
  return name;
}

/** A name for a node from its host ("10.0.0.7" → "node-10-0-0-7"). */
export function nodeNameFromHost(host: string): string {
  const base = host.replace(/[^a-z0-9]+/gi, '-').replace(/^-+|-+$/g, '').toLowerCase();
  return validateNodeName(/^[a-z]/.test(base) ? base.slice(0, 63).replace(/-+$/, '') : `node-${base}`.slice(0, 63).replace(/-+$/, ''));
}

export function validateRoles(roles: unknown): NodeRole[] {
  if (roles === undefined || roles === null) return [];
  if (!Array.isArray(roles) || !roles.every((r) => (NODE_ROLES as readonly string[]).includes(r))) {
    throw new ValidationError(`roles must be a list of: ${NODE_ROLES.join(', ')}.`, { field: 'roles' });
  }
  return [...new Set(roles as NodeRole[])];
}

const FINGERPRINT_RE = /^(SHA256:)?([A-Za-z0-9+/]{43})=?$/;
/** "SHA256:<43 base64 characters>" (OpenSSH's form); the prefix may be left out. */
export function validateFingerprint(fp: unknown): string {
  const m = typeof fp === 'string' ? FINGERPRINT_RE.exec(fp.trim()) : null;
  if (!m) throw new ValidationError('host_key_fingerprint must be an SHA256 fingerprint as `ssh-keygen -lf` prints it (SHA256:…, 43 base64 characters).', { field: 'host_key_fingerprint' });
  return `SHA256:${m[2]}`;
}

/** What a node's sealed private key is bound to (platform scope). */
export const nodeKeyAad = (nodeId: string): string => `node:${nodeId}:ssh-key`;

/** OpenSSH's SHA256 fingerprint of a public host key (the key blob as the server sends it). */
export function hostKeyFingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

export const PLACEMENT_RULE = 'node.labels.<name>, node.role, node.hostname, node.platform.os or node.platform.arch, then == or !=, then a value of letters, digits, ".", "_" and "-"';
const PLACEMENT_RE = /^node\.(labels\.[A-Za-z0-9_.-]{1,100}|role|hostname|platform\.os|platform\.arch)\s*(==|!=)\s*[A-Za-z0-9_.-]{1,100}$/;
export function validatePlacementConstraints(list: unknown): string[] {
  if (!Array.isArray(list) || list.length > 20) throw new ValidationError('placement_constraints must be a list of at most 20 constraints.', { field: 'placement_constraints' });
  return list.map((c) => {
    if (typeof c !== 'string' || !PLACEMENT_RE.test(c)) {
      throw new ValidationError(`placement constraint "${printable(String(c))}" must be ${PLACEMENT_RULE}.`, { field: 'placement_constraints' });
    }
    return c.replace(/\s+/g, '');
  });
}

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;
/** One POSIX-shell word per argument: what an SSH server's shell splits back into `argv`. */
export function shellQuote(argv: readonly string[]): string {
  if (!argv.length) throw new Error('shellQuote: empty argv');
  return argv
    .map((a) => {
      if (typeof a !== 'string' || a.includes('\0')) throw new Error('shellQuote: arguments must be strings without NUL');
      return SAFE_WORD.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`;
    })
    .join(' ');
}
