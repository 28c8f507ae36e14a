-- Core tables: tenants, accounts, access, apps and what a deploy produces.
-- Money is integer micro-units (1 USD = 1,000,000). Timestamps come from the database clock.

CREATE TABLE organizations (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name        text NOT NULL UNIQUE,
  personal    boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email          text NOT NULL,
  name           text,
  password_hash  text,
  is_admin       boolean NOT NULL DEFAULT false,
  last_login_at  timestamptz,
  created_at     timestamptz NOT NULL DEFAULT now(),
  updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE memberships (
  org_id      uuid NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  role        text NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'viewer')),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (org_id, user_id)
);
CREATE INDEX memberships_user_idx ON memberships (user_id);

CREATE TABLE api_tokens (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  kind          text NOT NULL CHECK (kind IN ('api', 'session', 'oauth')),
  description   text NOT NULL DEFAULT '',
  token_hash    text NOT NULL UNIQUE,
  scopes        text[] NOT NULL DEFAULT '{global}',
  last_used_at  timestamptz,
  expires_at    timestamptz,
  created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id);

CREATE TABLE ssh_keys (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  fingerprint  text NOT NULL UNIQUE,
  public_key   text NOT NULL,
  comment      text NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ssh_keys_user_idx ON ssh_keys (user_id);

CREATE TABLE plans (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name            text NOT NULL UNIQUE,
  cpu             numeric(6, 2) NOT NULL CHECK (cpu > 0),
  ram_mb          integer NOT NULL CHECK (ram_mb > 0),
  disk_gb         integer NOT NULL CHECK (disk_gb > 0),
  price_per_hour  bigint NOT NULL CHECK (price_per_hour >= 0),
  max_replicas    integer NOT NULL CHECK (max_replicas > 0),
  active          boolean NOT NULL DEFAULT true,
  is_default      boolean NOT NULL DEFAULT false,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX plans_one_default ON plans (is_default) WHERE is_default;

INSERT INTO plans (name, cpu, ram_mb, disk_gb, price_per_hour, max_replicas, is_default) VALUES
  ('hobby',    0.5,  512,  1,    7000,   2, true),
  ('standard', 1,    1024, 5,   35000,  10, false),
  ('pro',      2,    2048, 20,  70000,  50, false),
  ('business', 4,    8192, 100, 350000, 100, false);

CREATE TABLE apps (
  id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  org_id             uuid NOT NULL REFERENCES organizations (id) ON DELETE RESTRICT,
  name               text NOT NULL UNIQUE,
  plan_id            uuid NOT NULL REFERENCES plans (id),
  source             text NOT NULL DEFAULT 'git' CHECK (source IN ('git', 'image')),
  image              text,
  buildpacks         text[] NOT NULL DEFAULT '{}',
  health_check_path  text,
  maintenance        boolean NOT NULL DEFAULT false,
  status             text NOT NULL DEFAULT 'new'
                     CHECK (status IN ('new', 'deploying', 'running', 'crashed', 'stopped', 'suspended', 'failed')),
  stack              text NOT NULL DEFAULT 'slipway-1',
  repo_size          bigint,
  created_by         uuid REFERENCES users (id) ON DELETE SET NULL,
  released_at        timestamptz,
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX apps_org_idx ON apps (org_id, name);

-- Values are sealed with the organization's key (AES-256-GCM), bound to app id + key.
CREATE TABLE config_vars (
  app_id      uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  key         text NOT NULL,
  value       bytea NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (app_id, key)
);

CREATE TABLE builds (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  app_id       uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'building', 'succeeded', 'failed')),
  commit       text,
  ref          text,
  source_key   text,
  buildpack    text,
  error        text,
  stages       jsonb NOT NULL DEFAULT '{}',
  log_key      text,
  user_id      uuid REFERENCES users (id) ON DELETE SET NULL,
  release_id   uuid,
  deadline_at  timestamptz,
  started_at   timestamptz,
  finished_at  timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX builds_app_idx ON builds (app_id, created_at DESC);
CREATE INDEX builds_active_idx ON builds (deadline_at) WHERE status IN ('pending', 'building');

CREATE TABLE slugs (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  app_id         uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  build_id       uuid REFERENCES builds (id) ON DELETE SET NULL,
  object_key     text NOT NULL,
  size           bigint NOT NULL,
  sha256         text NOT NULL,
  process_types  jsonb NOT NULL DEFAULT '{}',
  stack          text NOT NULL,
  buildpack      text,
  commit         text,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX slugs_app_idx ON slugs (app_id);

CREATE TABLE releases (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  app_id       uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  version      integer NOT NULL CHECK (version > 0),
  slug_id      uuid REFERENCES slugs (id),
  image        text,
  config       bytea NOT NULL,
  description  text NOT NULL,
  user_id      uuid REFERENCES users (id) ON DELETE SET NULL,
  status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'succeeded', 'failed')),
  current      boolean NOT NULL DEFAULT false,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (app_id, version)
);
CREATE UNIQUE INDEX releases_one_current ON releases (app_id) WHERE current;

CREATE TABLE formation (
  id          uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
  app_id      uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  type        text NOT NULL,
  quantity    integer NOT NULL CHECK (quantity >= 0),
  command     text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (app_id, type)
);

-- What actually ran: one row each time the running quantity or plan of (app, type) changes.
-- Billing reads these; they outlive the app (no foreign key to apps).
CREATE TABLE formation_events (
  id              bigserial PRIMARY KEY,
  ts              timestamptz NOT NULL DEFAULT now(),
  org_id          uuid NOT NULL,
  app_id          uuid NOT NULL,
  app_name        text NOT NULL,
  type            text NOT NULL,
  quantity        integer NOT NULL CHECK (quantity >= 0),
  plan_id         uuid,
  price_per_hour  bigint NOT NULL CHECK (price_per_hour >= 0),
  reason          text NOT NULL
);
CREATE INDEX formation_events_app_ts_idx ON formation_events (app_id, type, ts);
CREATE INDEX formation_events_ts_idx ON formation_events (ts);

CREATE TABLE domains (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  app_id              uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  hostname            text NOT NULL UNIQUE,
  kind                text NOT NULL CHECK (kind IN ('default', 'custom')),
  verification_token  text,
  dns_status          text NOT NULL DEFAULT 'pending',
  tls_status          text NOT NULL DEFAULT 'pending',
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX domains_app_idx ON domains (app_id);

CREATE TABLE activity (
  id          bigserial PRIMARY KEY,
  org_id      uuid REFERENCES organizations (id) ON DELETE CASCADE,
  app_id      uuid,
  user_id     uuid REFERENCES users (id) ON DELETE SET NULL,
  action      text NOT NULL,
  details     jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX activity_org_idx ON activity (org_id, created_at DESC);
CREATE INDEX activity_app_idx ON activity (app_id, created_at DESC);

CREATE TABLE settings (
  key         text PRIMARY KEY,
  value       jsonb NOT NULL,
  is_secret   boolean NOT NULL DEFAULT false,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO settings (key, value) VALUES
  ('signup_enabled', 'true'),
  ('max_apps_per_org', '100');
