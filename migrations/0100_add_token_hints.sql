-- The last four characters of each API/OAuth token. Heroku's CLI lists GET /oauth/authorizations
-- and recognises its own token by the redacted form Heroku shows ("<prefix>**********<last 4>"),
-- e.g. to revoke it on `heroku logout`. The token itself is still only stored hashed; tokens made
-- before this migration have no hint (they are listed without one).
ALTER TABLE api_tokens ADD COLUMN token_hint text CHECK (token_hint IS NULL OR length(token_hint) <= 8);
