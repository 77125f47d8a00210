-- The last sequence number of each board's update log. Appending reserves numbers here
-- in the same transaction (one row, one lock per board), so several Tavolo nodes writing
-- the same board get distinct numbers in commit order.
CREATE TABLE board_heads (
    board_id TEXT PRIMARY KEY,
    last_seq INTEGER NOT NULL
);
INSERT INTO board_heads (board_id, last_seq)
    SELECT board_id, MAX(seq) FROM (
        SELECT board_id, seq FROM board_updates
        UNION ALL SELECT board_id, seq FROM board_snapshots
    ) GROUP BY board_id;
