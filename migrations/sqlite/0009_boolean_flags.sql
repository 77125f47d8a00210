-- Flags become booleans (see migrations/postgres/0009): SQLite has no boolean type, its
-- TRUE and FALSE are the integers 1 and 0 its `archived`, `locked` and `open` columns
-- already hold, so nothing changes here; the number keeps the two folders in step.
SELECT 1;
