-- A participant the facilitator removed from the meeting: their credential is refused
-- from then on (whatever their invitation says) and they leave the meeting's member
-- list; what they wrote stays on the boards. The row stays so that the token is known
-- and refused as removed, not taken for a stranger's.
ALTER TABLE participants ADD COLUMN removed_at BIGINT;
