-- An invitation's short code (8 characters read aloud or typed, `ABCD-EFGH`), a second
-- key to the same invitation as its link's token: stored, like the token, only as the
-- SHA-256 of its normal form. Invitations made before have none (NULL; unique ignores it).
ALTER TABLE invites ADD COLUMN code_hash TEXT;
CREATE UNIQUE INDEX invites_code_hash ON invites (code_hash);
