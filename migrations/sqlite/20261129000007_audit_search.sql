-- The audit page filters by action and by time range, newest first (keyset on seq).
-- Kept identical in migrations/sqlite and migrations/postgres.
CREATE INDEX audit_events_action ON audit_events(action, seq);
CREATE INDEX audit_events_at ON audit_events(at, seq);
