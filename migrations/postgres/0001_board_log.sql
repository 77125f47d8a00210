-- The append log of every board's Yjs updates (v1 encoding, as received from the wire
-- after the document accepted them) and the snapshots that compaction folds it into.
CREATE TABLE board_updates (
    board_id   TEXT   NOT NULL,
    seq        BIGINT NOT NULL,
    data       BYTEA  NOT NULL,
    created_at BIGINT NOT NULL, -- unix milliseconds
    PRIMARY KEY (board_id, seq)
);

-- state: the whole document in Yjs update v2 encoding, covering the log up to seq.
-- kind: 'auto' (compaction; only the newest is kept), 'manual' or 'closing' (kept).
CREATE TABLE board_snapshots (
    id         BIGSERIAL PRIMARY KEY,
    board_id   TEXT   NOT NULL,
    seq        BIGINT NOT NULL,
    state      BYTEA  NOT NULL,
    kind       TEXT   NOT NULL CHECK (kind IN ('auto', 'manual', 'closing')),
    label      TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX board_snapshots_board ON board_snapshots (board_id, seq);
