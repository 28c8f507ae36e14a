-- Each app's own Unix uid on the local runtime: its builds, dynos and one-off commands run as it,
-- in their sandboxes. Allocated on first use from the configured range (SLIPWAY_APP_UID_RANGE);
-- unique while the app exists (the row goes when the app does).
CREATE TABLE app_uids (
  app_id      uuid PRIMARY KEY REFERENCES apps (id) ON DELETE CASCADE,
  uid         integer NOT NULL UNIQUE CHECK (uid > 0),
  created_at  timestamptz NOT NULL DEFAULT now()
);
