-- What each audit stream last reported, for Audit → Streaming and /metrics: its receiver as
-- configured (never a token) and, while it fails, the error and since when. Written when a
-- stream starts, when it fails and when it recovers, not on every delivery. Kept identical in
-- migrations/sqlite and migrations/postgres.
CREATE TABLE audit_stream_health (
    stream TEXT PRIMARY KEY NOT NULL,
    target TEXT NOT NULL,
    failing_since BIGINT,
    last_error TEXT,
    reported_at BIGINT NOT NULL
);
