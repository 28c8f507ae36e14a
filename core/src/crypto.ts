// Secrets at rest: AES-256-GCM with a key per organization, derived (HKDF-SHA256) from one master
// key that is generated into the data dir (mode 0600) on first run and never committed.
// Sealed format: 0x01 | iv(12) | tag(16) | ciphertext. An optional AAD binds a value to its place
// (e.g. "app:<id>:config:<KEY>") so a sealed value cannot be moved to another row.
// Tokens: random, shown once, stored as SHA-256 hashes.
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const VERSION = 1;

export function loadOrCreateMasterKey(file: string): Buffer {
  if (existsSync(file)) {
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600); // readable by nobody else, whatever made it
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new Error(`master key at ${file} is not 32 bytes of base64`);
    return key;
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  // 'wx' fails if another process created it meanwhile; then read theirs.
  try {
    writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateMasterKey(file);
    throw err;
  }
  chmodSync(file, 0o600);
  return key;
}

export class SecretBox {
  private readonly cache = new Map<string, Buffer>();
  constructor(private readonly masterKey: Buffer) {
    if (masterKey.length !== 32) throw new Error('master key must be 32 bytes');
  }

  private keyFor(scope: string): Buffer {
    let key = this.cache.get(scope);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', this.masterKey, Buffer.alloc(0), `slipway:${scope}`, 32));
      this.cache.set(scope, key);
    }
    return key;
  }

  /** scope is "org:<uuid>" for tenant data, or "platform" for operator secrets. */
  seal(scope: string, plaintext: string | Buffer, aad = ''): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keyFor(scope), iv);
    cipher.setAAD(Buffer.from(aad));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
  }

  open(scope: string, sealed: Buffer, aad = ''): Buffer {
    if (sealed.length < 29 || sealed[0] !== VERSION) throw new Error('sealed value has an unknown format');
    const iv = sealed.subarray(1, 13);
    const tag = sealed.subarray(13, 29);
    const decipher = createDecipheriv('aes-256-gcm', this.keyFor(scope), iv);
    decipher.setAAD(Buffer.from(aad));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(sealed.subarray(29)), decipher.final()]);
  }

  /** A MAC of `data` with a key of its own per scope (e.g. signed slug URLs). */
  mac(scope: string, data: string): string {
    return createHmac('sha256', this.keyFor(`mac:${scope}`)).update(data).digest('base64url');
  }

  verifyMac(scope: string, data: string, mac: string): boolean {
    return safeEqual(this.mac(scope, data), mac);
  }

  openString(scope: string, sealed: Buffer, aad = ''): string {
    return this.open(scope, sealed, aad).toString('utf8');
  }
}

export const orgScope = (orgId: string): string => `org:${orgId}`;

export function generateToken(prefix: string): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
