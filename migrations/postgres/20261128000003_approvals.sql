-- Approval decisions on activation requests. Kept identical in migrations/postgres.

-- One decision per approver per request, and nobody decides on their own request: the
-- schema refuses both even if the code had a bug.
CREATE TABLE approval_decisions (
    request_id TEXT NOT NULL REFERENCES activations(id),
    requester_id TEXT NOT NULL REFERENCES users(id),
    approver_id TEXT NOT NULL REFERENCES users(id),
    verdict TEXT NOT NULL CHECK (verdict IN ('approve', 'deny')),
    reason TEXT NOT NULL,
    decided_at BIGINT NOT NULL,
    PRIMARY KEY (request_id, approver_id),
    CHECK (approver_id <> requester_id)
);
CREATE INDEX approval_decisions_approver ON approval_decisions(approver_id, decided_at);
CREATE INDEX activations_pending ON activations(requested_at) WHERE state = 'pending_approval';
