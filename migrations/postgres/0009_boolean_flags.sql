-- Flags become booleans: workspaces' and sessions' `archived`, boards' `locked`, votes'
-- `open` were BIGINT 0/1. The server reads and writes them as booleans on both backends
-- (SQLite has no boolean type: its TRUE and FALSE are the integers 1 and 0, so its
-- columns stay as they are; 0009 in migrations/sqlite only records that).
ALTER TABLE workspaces
    ALTER COLUMN archived DROP DEFAULT,
    ALTER COLUMN archived TYPE BOOLEAN USING archived <> 0,
    ALTER COLUMN archived SET DEFAULT FALSE;
ALTER TABLE sessions
    ALTER COLUMN archived DROP DEFAULT,
    ALTER COLUMN archived TYPE BOOLEAN USING archived <> 0,
    ALTER COLUMN archived SET DEFAULT FALSE;
ALTER TABLE boards
    ALTER COLUMN locked DROP DEFAULT,
    ALTER COLUMN locked TYPE BOOLEAN USING locked <> 0,
    ALTER COLUMN locked SET DEFAULT FALSE;
ALTER TABLE votes
    ALTER COLUMN open DROP DEFAULT,
    ALTER COLUMN open TYPE BOOLEAN USING open <> 0,
    ALTER COLUMN open SET DEFAULT TRUE;
