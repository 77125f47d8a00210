-- Facilitation: facilitators, workspaces (tavoli), sessions (incontri), rooms, boards,
-- participants, invitations, and the state the server keeps per session.
-- Ids are random text; times are unix milliseconds.

CREATE TABLE facilitators (
    id            TEXT PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    password_hash TEXT NOT NULL, -- argon2id PHC string
    created_at    BIGINT NOT NULL
);

-- Login sessions of facilitators: the cookie holds the token, we keep its SHA-256.
CREATE TABLE logins (
    token_hash     TEXT PRIMARY KEY,
    facilitator_id TEXT NOT NULL REFERENCES facilitators (id) ON DELETE CASCADE,
    created_at     BIGINT NOT NULL,
    expires_at     BIGINT NOT NULL
);

-- The one-time setup link printed on first start, while no facilitator exists.
CREATE TABLE setup_tokens (
    token_hash TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    used_at    BIGINT
);

CREATE TABLE workspaces (
    id         TEXT PRIMARY KEY,
    owner_id   TEXT NOT NULL REFERENCES facilitators (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    archived   BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    id           TEXT PRIMARY KEY,
    workspace_id TEXT NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    title        TEXT NOT NULL,
    date         TEXT NOT NULL, -- ISO date of the meeting
    position     BIGINT NOT NULL, -- order in the path
    archived     BIGINT NOT NULL DEFAULT 0,
    closed_at    BIGINT,
    state        TEXT NOT NULL DEFAULT '{}', -- room state (phase, timer, message, follow, votes) as JSON
    created_at   BIGINT NOT NULL
);
CREATE INDEX sessions_workspace ON sessions (workspace_id, position);

CREATE TABLE rooms (
    id         TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('plenary', 'breakout')),
    name       TEXT NOT NULL,
    position   BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX rooms_session ON rooms (session_id, position);

-- A board's id is its sync room name. Boards in no room (anonymous boards) are not here.
CREATE TABLE boards (
    id         TEXT PRIMARY KEY,
    room_id    TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL,
    title      TEXT NOT NULL,
    locked     BIGINT NOT NULL DEFAULT 0,
    position   BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX boards_room ON boards (room_id, position);

CREATE TABLE invites (
    id         TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('participant', 'observer')),
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);

-- A display name is the only personal data Tavolo keeps about a participant.
CREATE TABLE participants (
    id           TEXT PRIMARY KEY,
    session_id   TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    invite_id    TEXT REFERENCES invites (id) ON DELETE SET NULL,
    role         TEXT NOT NULL CHECK (role IN ('participant', 'observer')),
    display_name TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    group_room   TEXT REFERENCES rooms (id) ON DELETE SET NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX participants_session ON participants (session_id);

-- Dot votes: dots are kept under a per-vote pseudonym, never a participant id.
CREATE TABLE votes (
    id         TEXT PRIMARY KEY,
    board_id   TEXT NOT NULL REFERENCES boards (id) ON DELETE CASCADE,
    dots       BIGINT NOT NULL,
    open       BIGINT NOT NULL DEFAULT 1,
    salt       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    closed_at  BIGINT
);
CREATE TABLE vote_dots (
    vote_id   TEXT NOT NULL REFERENCES votes (id) ON DELETE CASCADE,
    voter     TEXT NOT NULL, -- SHA-256(salt || participant id)
    item_id   TEXT NOT NULL,
    placed_at BIGINT NOT NULL
);
CREATE INDEX vote_dots_vote ON vote_dots (vote_id, voter);

-- Snapshots taken for a session (closing or manual) name it.
ALTER TABLE board_snapshots ADD COLUMN session_id TEXT;
