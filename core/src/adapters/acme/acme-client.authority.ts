// CertificateAuthority on acme-client (RFC 8555): registers the account on first use (agreeing to
// the CA's terms), orders one certificate for the given hostnames with an ECDSA P-256 key, answers
// HTTP-01 through the Http01Store (the edge proxies /.well-known/acme-challenge/ to the api, which
// reads the store), and returns the chain. acme-client's own pre-check of the challenge is off:
// it would fetch port 80 through the system's DNS, which is not how the CA sees the edge.
// Leaves out: DNS-01, TLS-ALPN-01, revocation.
import acme from 'acme-client';
import { AcmeError, type AcmeOrder, type CertificateAuthority, type Http01Store, type IssuedCertificate } from '../../ports/acme.port.js';

export class AcmeClientAuthority implements CertificateAuthority {
  constructor(private readonly deps: { http01: Http01Store; pollMinMs?: number }) {}

  async createAccountKey(): Promise<string> {
    return (await acme.crypto.createPrivateEcdsaKey('P-256')).toString();
  }

  async order(req: AcmeOrder): Promise<IssuedCertificate> {
    try {
      return await this.orderOnce(req);
    } catch (err) {
      // an account URL the CA forgot (a test CA restarted, an account deactivated): register again
      if (req.accountUrl && err instanceof AcmeError && /account.*(does not exist|not found|deactivated)|accountDoesNotExist|unknown account/i.test(err.message)) {
        return this.orderOnce({ ...req, accountUrl: null });
      }
      throw err;
    }
  }

  private async orderOnce(req: AcmeOrder): Promise<IssuedCertificate> {
    const client = new acme.Client({
      directoryUrl: req.directoryUrl,
      accountKey: req.accountKeyPem,
      accountUrl: req.accountUrl ?? undefined,
      backoffAttempts: 12,
      backoffMin: this.deps.pollMinMs ?? 1000,
      backoffMax: 15_000,
    });
    const [key, csr] = await acme.crypto.createCsr({ commonName: req.hostnames[0]!, altNames: req.hostnames }, await acme.crypto.createPrivateEcdsaKey('P-256'));
    const tokens: string[] = [];
    try {
      const chain = await client.auto({
        csr,
        email: req.email || undefined,
        termsOfServiceAgreed: true,
        challengePriority: ['http-01'],
        skipChallengeVerification: true,
        challengeCreateFn: async (_authz, challenge, keyAuthorization) => {
          if (challenge.type !== 'http-01') throw new AcmeError(`the CA offered no http-01 challenge (only ${challenge.type})`);
          tokens.push(challenge.token);
          await this.deps.http01.put(challenge.token, keyAuthorization, 900);
        },
        challengeRemoveFn: async (_authz, challenge) => {
          await this.deps.http01.remove(challenge.token);
        },
      });
      return { chainPem: chain.toString(), keyPem: key.toString(), accountUrl: client.getAccountUrl() };
    } catch (err) {
      throw new AcmeError(describe(err));
    } finally {
      for (const t of tokens) await this.deps.http01.remove(t).catch(() => undefined);
    }
  }
}

/** The CA's words when it gave any; a transport error otherwise (axios: code + message). */
function describe(err: unknown): string {
  const e = err as { message?: string; code?: string; response?: { data?: { detail?: string } } };
  const detail = e.response?.data?.detail;
  const text = detail ?? e.message ?? String(err);
  return (e.code && !text.includes(e.code) ? `${e.code}: ${text}` : text).replace(/\s+/g, ' ').trim().slice(0, 1000);
}
