-- Notification channels and the durable outbox. Kept identical in migrations/postgres.

CREATE TABLE notification_channels (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('email', 'teams', 'slack', 'webhook')),
    -- The channel's settings (relay, URL, signing secret) as JSON.
    config_json TEXT NOT NULL,
    enabled BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    created_by TEXT REFERENCES users(id)
);

-- Every message to send, written in the transaction of the change it reports, so nothing is
-- lost on restart; one row per (event, recipient, channel), so nothing is sent twice.
CREATE TABLE notifications (
    id TEXT PRIMARY KEY NOT NULL,
    event_key TEXT NOT NULL,
    channel_id TEXT NOT NULL REFERENCES notification_channels(id),
    -- An e-mail address for e-mail; empty for chat and webhook channels.
    recipient TEXT NOT NULL,
    notice_json TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'failed')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    sent_at BIGINT,
    UNIQUE (event_key, recipient, channel_id)
);
CREATE INDEX notifications_due ON notifications(next_attempt_at) WHERE state = 'pending';
CREATE INDEX notifications_failed ON notifications(created_at) WHERE state = 'failed';
