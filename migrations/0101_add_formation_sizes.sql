-- A size per process type (Heroku's `heroku ps:type worker=pro`, `ps:scale web=2:standard`): the
-- plan a process type runs on; NULL means the app's plan. Plans cannot be deleted while in use.
ALTER TABLE formation ADD COLUMN plan_id uuid REFERENCES plans (id);
