-- Connectors: a role provisioned to a downstream system, the logins people have there, the
-- durable grant and revoke jobs, and the members drift detection found. Identical in
-- migrations/postgres except for how `provisioning_jobs.seq` is generated.

CREATE TABLE connectors (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    role_id TEXT NOT NULL REFERENCES roles(id),
    kind TEXT NOT NULL CHECK (kind IN ('postgres', 'webhook')),
    -- What is granted downstream: for PostgreSQL the database role, for a webhook the
    -- receiver's origin (for the page).
    target TEXT NOT NULL,
    -- The connection URL with its password, or the webhook's URL and signing secret, sealed;
    -- never shown back.
    secret_sealed TEXT NOT NULL,
    enabled BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    created_by TEXT REFERENCES users(id),
    drift_checked_at BIGINT,
    drift_error TEXT
);
CREATE INDEX connectors_role ON connectors(role_id);

-- A person's login downstream when it is not the local part of their e-mail address.
CREATE TABLE connector_logins (
    connector_id TEXT NOT NULL REFERENCES connectors(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    login TEXT NOT NULL,
    PRIMARY KEY (connector_id, user_id)
);

-- Written in the transaction that starts or ends an activation, so no grant or revoke is
-- lost on restart; one row per (activation, connector, action), so none is queued twice.
-- `seq` orders a person's jobs on a connector: a revoke never overtakes its grant.
CREATE TABLE provisioning_jobs (
    seq INTEGER PRIMARY KEY,
    connector_id TEXT NOT NULL REFERENCES connectors(id),
    activation_id TEXT NOT NULL REFERENCES activations(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    action TEXT NOT NULL CHECK (action IN ('grant', 'revoke')),
    state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'skipped', 'dead')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    -- The login the job applied to, once it ran.
    login TEXT,
    created_at BIGINT NOT NULL,
    finished_at BIGINT,
    UNIQUE (activation_id, connector_id, action)
);
CREATE INDEX provisioning_jobs_due ON provisioning_jobs(next_attempt_at) WHERE state = 'pending';
CREATE INDEX provisioning_jobs_person ON provisioning_jobs(connector_id, user_id, seq);

-- Downstream members nobody in Stint accounts for, as of the connector's last drift check.
CREATE TABLE connector_drift (
    connector_id TEXT NOT NULL REFERENCES connectors(id),
    member TEXT NOT NULL,
    first_seen_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    PRIMARY KEY (connector_id, member)
);
