-- Dot votes that the database alone cannot tie to a voter (README, Security: "Votes").
-- vote_dots kept every dot under SHA-256(salt || participant id), with the salt in votes
-- and the participant ids in participants: anyone with the database could recompute it.
-- Now each dot is counted in two places that share nothing a database holds:
--   vote_tally:   how many dots each item has (no voter, no time);
--   vote_ballots: how many dots each voter has placed, under a name that is an HMAC keyed
--                 with the participant's token, which the database never holds (only its
--                 SHA-256);
--   vote_marks:   one row per dot, HMAC(token, vote and item): what lets a voter take
--                 back a dot of their own, unreadable without the token.
-- Closing a vote deletes its ballots and marks: a closed vote keeps only its tally.
CREATE TABLE vote_tally (
    vote_id TEXT NOT NULL REFERENCES votes (id) ON DELETE CASCADE,
    item_id TEXT NOT NULL,
    dots    INTEGER NOT NULL,
    PRIMARY KEY (vote_id, item_id)
);
CREATE TABLE vote_ballots (
    vote_id TEXT NOT NULL REFERENCES votes (id) ON DELETE CASCADE,
    voter   TEXT NOT NULL,
    used    INTEGER NOT NULL,
    PRIMARY KEY (vote_id, voter)
);
CREATE TABLE vote_marks (
    vote_id TEXT NOT NULL REFERENCES votes (id) ON DELETE CASCADE,
    voter   TEXT NOT NULL,
    mark    TEXT NOT NULL
);
CREATE INDEX vote_marks_voter ON vote_marks (vote_id, voter, mark);

-- The old dots become the tally. Their voters cannot be carried over (the new names need
-- tokens the database does not hold), so votes still open are closed here: a vote whose
-- budget could no longer be enforced must not take more dots.
INSERT INTO vote_tally (vote_id, item_id, dots)
    SELECT vote_id, item_id, COUNT(*) FROM vote_dots GROUP BY vote_id, item_id;
UPDATE votes SET open = 0, closed_at = COALESCE(closed_at, CAST(strftime('%s', 'now') AS INTEGER) * 1000) WHERE open <> 0;
DROP TABLE vote_dots;
ALTER TABLE votes DROP COLUMN salt;
