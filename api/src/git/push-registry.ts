// Pushes in flight: when the api starts `git receive-pack` for an authenticated user, it registers
// the push and hands the pre-receive hook a callback URL + one-time secret through the
// environment. The hook calls back to the api over loopback; the secret proves it is that push.
import { randomBytes, randomUUID } from 'node:crypto';
import { safeEqual } from '@slipway/core/crypto';

export interface PushContext {
  id: string;
  secret: string;
  userId: string;
  appId: string;
  appName: string;
  expiresAt: number;
  /** The ref update that deploys, once the hook has reported the refs. */
  update?: { oldSha: string; newSha: string; ref: string };
}

export class PushRegistry {
  private readonly pushes = new Map<string, PushContext>();

  constructor(private readonly callbackBase: string, private readonly ttlMs: number) {}

  begin(p: { userId: string; appId: string; appName: string }): { push: PushContext; env: Record<string, string> } {
    const push: PushContext = { id: randomUUID(), secret: randomBytes(24).toString('base64url'), ...p, expiresAt: Date.now() + this.ttlMs };
    this.pushes.set(push.id, push);
    return { push, env: { SLIPWAY_PUSH_URL: `${this.callbackBase}/internal/git/pushes/${push.id}`, SLIPWAY_PUSH_SECRET: push.secret } };
  }

  find(id: string, secret: string | undefined): PushContext | null {
    const p = this.pushes.get(id);
    if (!p || !secret || !safeEqual(p.secret, secret) || p.expiresAt < Date.now()) return null;
    return p;
  }

  end(id: string): void {
    this.pushes.delete(id);
  }
}
