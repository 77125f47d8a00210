-- Snapshots are now kept in Yjs's update v1 encoding, the one the sync protocol speaks:
-- a fresh client can be sent a compacted board's snapshot as it is, before the server has
-- rebuilt the document. Rows written before this migration are v2 (encoding = 2);
-- `Store::migrate` rewrites them as v1 right after the SQL migrations.
ALTER TABLE board_snapshots ADD COLUMN encoding INTEGER NOT NULL DEFAULT 2;
