-- Custom domains are verified by DNS before they are routed or certified, and certificates
-- (ACME-issued or uploaded as Heroku "SNI endpoints") are stored with their keys sealed.
--
-- A hostname may be claimed (pending) by several apps at once — a claim proves nothing — but only
-- one row per hostname can be verified; the app's default domain counts as verified.
ALTER TABLE domains DROP CONSTRAINT domains_hostname_key;
UPDATE domains SET dns_status = 'verified' WHERE kind = 'default';
UPDATE domains SET tls_status = 'none' WHERE kind = 'default';
UPDATE domains SET tls_status = 'waiting' WHERE kind = 'custom' AND dns_status <> 'verified';
CREATE UNIQUE INDEX domains_app_hostname_key ON domains (app_id, hostname);
CREATE UNIQUE INDEX domains_verified_hostname_key ON domains (hostname) WHERE dns_status = 'verified';
CREATE INDEX domains_hostname_idx ON domains (hostname);

ALTER TABLE domains
  ADD CONSTRAINT domains_dns_status_check CHECK (dns_status IN ('pending', 'verified', 'failed')),
  ADD CONSTRAINT domains_tls_status_check CHECK (tls_status IN ('none', 'waiting', 'pending', 'issued', 'failing', 'failed')),
  -- what the last DNS check found (shown to the user as is)
  ADD COLUMN verification_message text,
  ADD COLUMN verified_at timestamptz,
  ADD COLUMN dns_checks integer NOT NULL DEFAULT 0,
  -- checks go on (with backoff) for 72 hours from here; asking again starts a new window
  ADD COLUMN dns_checks_since timestamptz NOT NULL DEFAULT now(),
  -- when the verification job looks again (null: not scheduled)
  ADD COLUMN next_dns_check_at timestamptz,
  -- the ACME error of the last failed order, as the CA put it
  ADD COLUMN tls_message text,
  ADD COLUMN tls_attempts integer NOT NULL DEFAULT 0,
  ADD COLUMN next_tls_attempt_at timestamptz;
ALTER TABLE domains ALTER COLUMN tls_status SET DEFAULT 'waiting';
UPDATE domains SET next_dns_check_at = now() WHERE kind = 'custom' AND dns_status = 'pending';
CREATE INDEX domains_dns_due_idx ON domains (next_dns_check_at) WHERE next_dns_check_at IS NOT NULL;

-- Per app: send plain HTTP to HTTPS where a certificate exists (null: the platform default).
ALTER TABLE apps ADD COLUMN https_redirect boolean;

-- Certificates the edge (and the api) can serve. source 'acme': issued for one domain row (and gone
-- with it); 'uploaded': an app's SNI endpoint; purpose 'api': the api's own hostname (no app).
-- The private key is sealed with the organization's key (the platform's for purpose 'api'),
-- bound to the certificate id.
CREATE TABLE certificates (
  id          uuid PRIMARY KEY,
  org_id      uuid REFERENCES organizations (id) ON DELETE CASCADE,
  app_id      uuid REFERENCES apps (id) ON DELETE CASCADE,
  domain_id   uuid REFERENCES domains (id) ON DELETE CASCADE,
  purpose     text NOT NULL DEFAULT 'app' CHECK (purpose IN ('app', 'api')),
  source      text NOT NULL CHECK (source IN ('acme', 'uploaded')),
  name        text NOT NULL,
  hostnames   text[] NOT NULL,
  cert_pem    text NOT NULL,
  key_sealed  bytea NOT NULL,
  issuer      text NOT NULL,
  subject     text NOT NULL,
  not_before  timestamptz NOT NULL,
  not_after   timestamptz NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  CHECK ((purpose = 'api') = (app_id IS NULL)),
  CHECK (source <> 'acme' OR purpose = 'api' OR domain_id IS NOT NULL)
);
CREATE UNIQUE INDEX certificates_domain_key ON certificates (domain_id) WHERE domain_id IS NOT NULL;
CREATE UNIQUE INDEX certificates_app_name_key ON certificates (app_id, name) WHERE app_id IS NOT NULL;
CREATE INDEX certificates_expiry_idx ON certificates (not_after);

-- One ACME account per directory URL; its key is sealed with the platform key.
CREATE TABLE acme_accounts (
  directory_url  text PRIMARY KEY,
  email          text,
  key_sealed     bytea NOT NULL,
  account_url    text,
  created_at     timestamptz NOT NULL DEFAULT now()
);
