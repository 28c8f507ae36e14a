-- Settings now have their defaults in code (core/src/settings/*.settings.ts); a row exists only
-- where an admin chose a value. The seeded rows go: sign-up is off on a fresh install (the first
-- admin turns it on), and the other two equal their defaults.
DELETE FROM settings WHERE key IN ('signup_enabled', 'max_apps_per_org', 'billing_enabled');
