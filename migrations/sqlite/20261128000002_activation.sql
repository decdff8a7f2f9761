-- Just-in-time activation: role owners and policies, assignment history, activation requests.
-- Kept identical in migrations/postgres.

-- An assignment is never deleted: removal and expiry record when and why, so history and
-- access reviews can see it.
ALTER TABLE assignments ADD COLUMN removed_at BIGINT;
ALTER TABLE assignments ADD COLUMN removed_by TEXT REFERENCES users(id);
ALTER TABLE assignments ADD COLUMN removal_reason TEXT;
CREATE INDEX assignments_role ON assignments(role_id, kind);
CREATE INDEX assignments_open_ends ON assignments(ends_at) WHERE removed_at IS NULL;

CREATE TABLE role_owners (
    role_id TEXT NOT NULL REFERENCES roles(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    PRIMARY KEY (role_id, user_id)
);

-- A missing row means the tier's default policy.
CREATE TABLE role_policies (
    role_id TEXT PRIMARY KEY NOT NULL REFERENCES roles(id),
    policy_json TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT REFERENCES users(id)
);

CREATE TABLE activations (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    role_id TEXT NOT NULL REFERENCES roles(id),
    eligibility_id TEXT NOT NULL REFERENCES assignments(id),
    state TEXT NOT NULL CHECK (state IN
        ('pending_approval', 'scheduled', 'active', 'ended', 'denied', 'cancelled', 'expired')),
    requested_at BIGINT NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    justification TEXT NOT NULL,
    ticket_system TEXT,
    ticket_number TEXT,
    -- A pending request lapses at this instant.
    decide_by BIGINT,
    ended_at BIGINT,
    end_reason TEXT,
    ended_by TEXT REFERENCES users(id),
    CHECK (ends_at > starts_at)
);
CREATE INDEX activations_user ON activations(user_id, requested_at);
CREATE INDEX activations_state_ends ON activations(state, ends_at);
CREATE INDEX activations_state_starts ON activations(state, starts_at);
CREATE INDEX activations_eligibility ON activations(eligibility_id);
-- One open request or activation per person and role, under any concurrency.
CREATE UNIQUE INDEX activations_one_open ON activations(user_id, role_id)
    WHERE state IN ('pending_approval', 'scheduled', 'active');
