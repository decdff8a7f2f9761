-- Insights → Alerts thresholds, edited by a Security Administrator; no row means the defaults.
-- Kept identical in migrations/sqlite and migrations/postgres.
CREATE TABLE alert_settings (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    settings_json TEXT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT REFERENCES users(id)
);
-- Activations of a role in a time window (alerts: activated too often; insights).
CREATE INDEX activations_role_starts ON activations(role_id, starts_at);
