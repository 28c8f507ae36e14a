-- One-off dynos (`heroku run`, `heroku run:detached`, app.json's postdeploy script): a command run
-- once from the app's current release, named run.N (N counts up per app). While it runs it shows
-- in `heroku ps` and is billed by time like other dynos (formation_events with type run.N).
-- `env` holds the extra variables of the request (TERM, COLUMNS, `heroku run -e`), sealed with the
-- organization's key like config vars: they may be secrets and never travel in a job payload.
CREATE TABLE one_off_dynos (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  app_id           uuid NOT NULL REFERENCES apps (id) ON DELETE CASCADE,
  number           integer NOT NULL CHECK (number > 0),
  command          text NOT NULL,
  env              bytea NOT NULL,
  attach           boolean NOT NULL,
  tty              boolean NOT NULL,
  plan_id          uuid NOT NULL REFERENCES plans (id),
  release_id       uuid NOT NULL REFERENCES releases (id) ON DELETE CASCADE,
  time_to_live     integer NOT NULL CHECK (time_to_live > 0),
  state            text NOT NULL DEFAULT 'starting' CHECK (state IN ('starting', 'up', 'complete', 'crashed')),
  exit_code        integer,
  stop_requested   boolean NOT NULL DEFAULT false,
  user_id          uuid REFERENCES users (id) ON DELETE SET NULL,
  started_at       timestamptz,
  finished_at      timestamptz,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (app_id, number)
);
CREATE INDEX one_off_dynos_running_idx ON one_off_dynos (app_id) WHERE state IN ('starting', 'up');
