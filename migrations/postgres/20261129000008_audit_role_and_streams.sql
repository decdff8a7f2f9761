-- The audit page filters by the role an event names (details' "role"), newest first.
-- The expression matches pim_store::audit_search exactly, so the planner uses the index.
CREATE INDEX audit_events_role ON audit_events(((details::jsonb) ->> 'role'), seq);

-- How far each audit stream (syslog, HTTP) has delivered: the last sequence number its
-- receiver accepted. A restart resumes after it.
CREATE TABLE audit_stream_cursors (
    stream TEXT PRIMARY KEY NOT NULL,
    delivered_seq BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
