-- Access reviews: a review's settings, its instances and one item per reviewed assignment.
-- Kept identical in migrations/sqlite and migrations/postgres.

CREATE TABLE access_reviews (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    -- pim_core::review::ReviewSettings as JSON, validated before it is stored.
    settings TEXT NOT NULL,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    -- Set when an administrator stops the review: no further instance starts.
    stopped_at BIGINT
);

CREATE TABLE review_instances (
    id TEXT PRIMARY KEY,
    review_id TEXT NOT NULL REFERENCES access_reviews(id),
    sequence INTEGER NOT NULL,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('in_progress', 'completed', 'applied')),
    completed_at BIGINT,
    applied_at BIGINT,
    -- NULL when auto-apply applied it.
    applied_by TEXT REFERENCES users(id),
    -- Two workers cannot start the same instance twice.
    UNIQUE (review_id, sequence),
    -- Equal when an administrator stops an instance the moment it started.
    CHECK (ends_at >= starts_at)
);
CREATE INDEX review_instances_state ON review_instances(state, ends_at);

CREATE TABLE review_items (
    id TEXT PRIMARY KEY,
    instance_id TEXT NOT NULL REFERENCES review_instances(id),
    assignment_id TEXT NOT NULL REFERENCES assignments(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    role_id TEXT NOT NULL REFERENCES roles(id),
    kind TEXT NOT NULL CHECK (kind IN ('eligible', 'active')),
    self_review BOOLEAN NOT NULL,
    recommendation TEXT NOT NULL CHECK (recommendation IN ('approve', 'deny')),
    -- pim_core::review::ReviewEvidence as JSON.
    evidence TEXT NOT NULL,
    decision TEXT CHECK (decision IN ('approve', 'deny', 'dont_know')),
    reason TEXT NOT NULL DEFAULT '',
    decided_by TEXT REFERENCES users(id),
    decided_at BIGINT,
    outcome TEXT CHECK (outcome IN ('keep', 'remove')),
    -- Whether a reviewer's answer (not the default decision) settled the outcome.
    outcome_by_reviewer BOOLEAN,
    apply_result TEXT,
    UNIQUE (instance_id, assignment_id),
    -- Nobody decides on their own assignment outside a self-review, even if the code erred.
    CHECK (decided_by IS NULL OR self_review OR decided_by <> user_id)
);
CREATE INDEX review_items_instance ON review_items(instance_id);

CREATE TABLE review_item_reviewers (
    item_id TEXT NOT NULL REFERENCES review_items(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    PRIMARY KEY (item_id, user_id)
);
CREATE INDEX review_item_reviewers_user ON review_item_reviewers(user_id);
