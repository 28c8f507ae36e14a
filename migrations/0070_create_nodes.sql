-- Worker nodes of the swarm (admin console → Nodes): how Slipway reaches them over SSH, their
-- pinned host key, where provisioning is, their swarm identity and health, the provisioning log,
-- figures for charts, and the platform notifications their health raises.

CREATE TABLE nodes (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name                  text NOT NULL UNIQUE,
  host                  text NOT NULL,
  port                  integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
  ssh_user              text NOT NULL,
  -- the private key, sealed with the platform scope (aad "node:<id>:ssh-key"); never returned
  private_key           bytea NOT NULL,
  public_key            text NOT NULL,
  key_generated         boolean NOT NULL DEFAULT false,
  -- SHA256:… of the host key Slipway trusts; null until given by the admin or confirmed
  host_key_fingerprint  text,
  -- what the node presented when no key was pinned yet, or when it differed (untrusted)
  seen_host_key         text,
  roles                 text[] NOT NULL DEFAULT '{}',
  status                text NOT NULL DEFAULT 'pending' CHECK (status IN (
                          'pending', 'awaiting_host_key', 'provisioning', 'ready', 'failed', 'untrusted',
                          'down', 'draining', 'drained', 'removing')),
  -- why: the failed step and its output's last lines, the host key mismatch, …
  status_detail         text,
  -- provisioning steps done (skipped when provisioning resumes), and the step it failed at
  steps_done            text[] NOT NULL DEFAULT '{}',
  failed_step           text,
  swarm_node_id         text UNIQUE,
  availability          text,
  missed_beats          integer NOT NULL DEFAULT 0,
  last_heartbeat_at     timestamptz,
  -- os, cpus, memory, disk, docker version from provisioning; the last figures from the heartbeat
  facts                 jsonb NOT NULL DEFAULT '{}',
  stats                 jsonb NOT NULL DEFAULT '{}',
  created_by            uuid REFERENCES users (id) ON DELETE SET NULL,
  created_at            timestamptz NOT NULL DEFAULT now(),
  updated_at            timestamptz NOT NULL DEFAULT now(),
  UNIQUE (host, port)
);

-- The provisioning log: every line of every step, in order (stream: cmd | out | step | error).
CREATE TABLE node_log (
  id          bigserial PRIMARY KEY,
  node_id     uuid NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
  step        text NOT NULL,
  stream      text NOT NULL CHECK (stream IN ('step', 'cmd', 'out', 'error')),
  line        text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX node_log_node_idx ON node_log (node_id, id);

-- One row per heartbeat that could read the node's figures (kept 7 days).
CREATE TABLE node_metrics (
  node_id        uuid NOT NULL REFERENCES nodes (id) ON DELETE CASCADE,
  ts             timestamptz NOT NULL DEFAULT now(),
  cpu_percent    real,
  load1          real,
  mem_used_mb    integer,
  mem_total_mb   integer,
  disk_used_mb   bigint,
  disk_total_mb  bigint,
  tasks          integer,
  PRIMARY KEY (node_id, ts)
);

-- Platform-level notifications for administrators (a node went down, came back, is untrusted).
CREATE TABLE admin_notifications (
  id          bigserial PRIMARY KEY,
  kind        text NOT NULL,
  message     text NOT NULL,
  details     jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now(),
  read_at     timestamptz
);
CREATE INDEX admin_notifications_idx ON admin_notifications (id DESC);

-- Plans may pin their apps' processes to some nodes (Swarm placement constraints such as
-- "node.labels.slipway.pool==gpu"); validated by the api.
ALTER TABLE plans ADD COLUMN placement_constraints text[] NOT NULL DEFAULT '{}';
