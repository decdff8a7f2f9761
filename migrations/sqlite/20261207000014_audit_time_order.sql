-- Event times never decrease along the audit chain: an append stores the later of its clock
-- and the previous event's time, kept here, so the audit page turns a time range into a
-- sequence range with two seeks on audit_events_at. Kept identical in migrations/sqlite and
-- migrations/postgres.
ALTER TABLE audit_head ADD COLUMN at BIGINT NOT NULL DEFAULT 0;
UPDATE audit_head SET at = COALESCE((SELECT MAX(at) FROM audit_events), 0);
