// SSH public keys per user (Heroku /account/keys). Keys are parsed with ssh2; the SHA256
// fingerprint (as `ssh-keygen -lf` prints it) identifies a key across all users.
import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';
import { ConflictError, NotFoundError, ValidationError } from '@slipway/core/errors';
import { isUniqueViolation } from '@slipway/core/db/pool';
import type { Store } from '@slipway/core/repositories/index';
import type { SshKeyRow } from '@slipway/core/repositories/types';

const ALLOWED = new Set(['ssh-ed25519', 'ssh-rsa', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521']);

export function fingerprintOf(publicSsh: Buffer): string {
  return `SHA256:${createHash('sha256').update(publicSsh).digest('base64').replace(/=+$/, '')}`;
}

export function parsePublicKey(text: unknown): { publicKey: string; fingerprint: string; comment: string } {
  if (typeof text !== 'string' || text.length > 16_384) throw new ValidationError('public_key must be an OpenSSH public key line.', { field: 'public_key' });
  const line = text.trim();
  if (line.includes('\n')) throw new ValidationError('public_key must be a single line.', { field: 'public_key' });
  const parsed = ssh2.utils.parseKey(line);
  if (parsed instanceof Error || Array.isArray(parsed) || !parsed || parsed.isPrivateKey()) {
    throw new ValidationError('public_key is not a valid OpenSSH public key.', { field: 'public_key' });
  }
  if (!ALLOWED.has(parsed.type)) throw new ValidationError(`Key type ${parsed.type} is not accepted; use ssh-ed25519, ssh-rsa or ecdsa.`);
  const blob = parsed.getPublicSSH();
  const comment = line.split(/\s+/).slice(2).join(' ').slice(0, 200);
  return { publicKey: `${parsed.type} ${blob.toString('base64')}${comment ? ` ${comment}` : ''}`, fingerprint: fingerprintOf(blob), comment };
}

export class SshKeysService {
  constructor(private readonly deps: { store: Store }) {}

  list(userId: string): Promise<SshKeyRow[]> {
    return this.deps.store.repos.sshKeys.listForUser(userId);
  }

  async add(userId: string, text: unknown): Promise<SshKeyRow> {
    const key = parsePublicKey(text);
    try {
      return await this.deps.store.repos.sshKeys.create({ userId, ...key });
    } catch (err) {
      if (isUniqueViolation(err)) throw new ConflictError('That key is already registered to an account.');
      throw err;
    }
  }

  async remove(userId: string, idOrFingerprint: string): Promise<void> {
    if (!(await this.deps.store.repos.sshKeys.delete(userId, idOrFingerprint))) throw new NotFoundError("Couldn't find that key.");
  }

  /** For the git SSH server: who owns the key with this public blob? */
  findOwner(publicSsh: Buffer) {
    return this.deps.store.repos.sshKeys.findByFingerprint(fingerprintOf(publicSsh));
  }
}
