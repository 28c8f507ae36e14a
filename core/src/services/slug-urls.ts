// Signed slug URLs: what a swarm task fetches its slug from. The URL names the slug's object key
// and carries a MAC of it, so it works for as long as the slug exists (a task may restart days
// later) and cannot be forged or pointed at another object. The api serves them.
import type { SecretBox } from '../crypto.js';
import { assertObjectKey } from '../ports/object-store.port.js';

const SCOPE = 'slug-url';
const KEY_RE = /^slugs\/[0-9a-f-]{36}\/[0-9a-f-]{36}\.tgz$/;

export class SlugUrls {
  constructor(private readonly box: SecretBox, private readonly baseUrl: string) {}

  url(objectKey: string): string {
    if (!KEY_RE.test(objectKey)) throw new Error('not a slug object key');
    return `${this.baseUrl}/${objectKey}?sig=${this.box.mac(SCOPE, objectKey)}`;
  }

  /** The object key a request names, if its signature holds. */
  verify(objectKey: string, sig: unknown): string | null {
    if (!KEY_RE.test(objectKey) || typeof sig !== 'string') return null;
    return this.box.verifyMac(SCOPE, objectKey, sig) ? assertObjectKey(objectKey) : null;
  }
}
