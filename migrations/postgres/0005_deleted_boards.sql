-- Boards of deleted workspaces: their ids are refused (410) rather than taken for
-- anonymous boards, and their private drafts (`{board}.draft.{participant}`) with them.
-- Only the id and when it was deleted are kept: nothing of the content.
CREATE TABLE deleted_boards (
    board_id TEXT PRIMARY KEY,
    deleted_at BIGINT NOT NULL
);
