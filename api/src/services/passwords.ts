// Password hashing: argon2id with OWASP's recommended minimum cost (19 MiB, t=2, p=1), through
// @node-rs/argon2 (prebuilt N-API binary; the `argon2` package's prebuild crashes on this Debian).
// Verification of an unknown user still spends the same time (against a fixed dummy hash) so
// timing does not reveal which accounts exist.
import { Algorithm, hash, verify } from '@node-rs/argon2';

const OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
export const PASSWORD_MIN = 10;

export class PasswordHasher {
  private dummy: Promise<string> | null = null;

  hash(password: string): Promise<string> {
    return hash(password, OPTIONS);
  }

  async verify(stored: string | null, password: string): Promise<boolean> {
    if (!stored) {
      this.dummy ??= hash('not-a-real-password', OPTIONS);
      await verify(await this.dummy, password).catch(() => false);
      return false;
    }
    return verify(stored, password).catch(() => false);
  }
}
