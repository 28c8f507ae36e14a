-- A build job may run more than once (BullMQ retries a job whose worker died). Each run is an
-- attempt with its own number: only the newest attempt may end the build or release it. Once an
-- attempt has claimed the release (releasing_at), nothing else may fail the build: it either goes
-- live and ends succeeded, or ends failed before anything went live. A push reported rejected is
-- therefore never deployed later.
ALTER TABLE builds ADD COLUMN attempt integer NOT NULL DEFAULT 0;
ALTER TABLE builds ADD COLUMN releasing_at timestamptz;
