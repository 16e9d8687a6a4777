-- Sign-in limits per client (issue 15): each failure records the client's address, so a
-- login is locked only for the client that failed on it, and a client failing on many
-- logins is held back. Rows from before have no client (''). Same text for both databases.
ALTER TABLE login_failures ADD COLUMN client TEXT NOT NULL DEFAULT '';
CREATE INDEX login_failures_client ON login_failures (client, at);
