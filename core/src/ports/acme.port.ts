// CertificateAuthority port: order a certificate from an ACME CA for hostnames the platform has
// already verified. Promises: the account key is the caller's (created with createAccountKey and
// stored sealed by the caller); HTTP-01 challenges are published through the given Http01Store
// for as long as the order needs them and removed afterwards; on failure the error says what the
// CA said (AcmeError.message is the CA's problem detail, safe to show the user); the certificate
// key is new for every order. Leaves out: DNS-01 (a later adapter of the same port: the order
// request would carry a DNS writer), storage, renewal policy (services/domains).

export interface Http01Store {
  /** Publish `keyAuthorization` at /.well-known/acme-challenge/<token> for `ttlSeconds`. */
  put(token: string, keyAuthorization: string, ttlSeconds: number): Promise<void>;
  get(token: string): Promise<string | null>;
  remove(token: string): Promise<void>;
}

/**
 * DNS-01 (for wildcards, or hostnames the edge cannot be reached at): the writer an order would
 * carry to publish `_acme-challenge.<name>` TXT records at the user's DNS provider. No adapter
 * yet; AcmeClientAuthority answers http-01 only.
 */
export interface Dns01Writer {
  put(name: string, value: string): Promise<void>;
  remove(name: string, value: string): Promise<void>;
}

export interface AcmeOrder {
  directoryUrl: string;
  /** Contact e-mail; empty: none. */
  email: string;
  accountKeyPem: string;
  /** The account URL returned by an earlier order (saves a lookup), if known. */
  accountUrl?: string | null;
  hostnames: string[];
  /** When given, the order may use DNS-01 (not implemented by any adapter yet). */
  dns01?: Dns01Writer;
}

export interface IssuedCertificate {
  /** Leaf first, then the chain the CA sent. */
  chainPem: string;
  keyPem: string;
  accountUrl: string;
}

export interface CertificateAuthority {
  createAccountKey(): Promise<string>;
  order(req: AcmeOrder): Promise<IssuedCertificate>;
}

export class AcmeError extends Error {
  override name = 'AcmeError';
}
