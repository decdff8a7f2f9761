-- Two-person rule: an administrator's change that affects themselves waits here until another
-- administrator approves it. Kept identical in migrations/sqlite and migrations/postgres.

CREATE TABLE pending_changes (
    id TEXT PRIMARY KEY,
    -- The proposal as JSON (a policy edit, an assignment, an extension), applied as stored.
    proposal TEXT NOT NULL,
    summary TEXT NOT NULL,
    proposed_by TEXT NOT NULL REFERENCES users(id),
    proposed_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'applied', 'rejected', 'cancelled', 'expired')),
    decided_by TEXT REFERENCES users(id),
    decided_at BIGINT,
    reason TEXT NOT NULL DEFAULT '',
    -- The schema refuses a proposer deciding their own change even if the code had a bug
    -- (cancelling is the proposer's own act and records no decider).
    CHECK (decided_by IS NULL OR decided_by <> proposed_by)
);
CREATE INDEX pending_changes_open ON pending_changes(proposed_at) WHERE state = 'pending';
