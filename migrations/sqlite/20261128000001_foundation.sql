-- Users, passkeys, ceremonies, enrollment links, roles, assignments and the audit log.
-- Portable rules (kept identical in migrations/postgres): ids are TEXT UUIDs, instants are
-- BIGINT Unix seconds, flags are BOOLEAN.

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    display_name TEXT NOT NULL,
    email TEXT NOT NULL UNIQUE,
    manager_id TEXT REFERENCES users(id),
    status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
    kind TEXT NOT NULL CHECK (kind IN ('regular', 'break_glass')),
    -- Bumped whenever all of a user's sessions must end (disable, "sign out everywhere").
    session_epoch BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE passkeys (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    cred_id TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    aaguid TEXT NOT NULL,
    attested BOOLEAN NOT NULL,
    passkey_json TEXT NOT NULL,
    counter BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT
);
CREATE INDEX passkeys_user ON passkeys(user_id);

-- WebAuthn ceremony state lives here, never in a cookie; finishing deletes the row.
CREATE TABLE webauthn_ceremony (
    id TEXT PRIMARY KEY NOT NULL,
    session_binding TEXT NOT NULL,
    user_id TEXT REFERENCES users(id),
    purpose TEXT NOT NULL,
    subject_id TEXT,
    state_json TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX webauthn_ceremony_expiry ON webauthn_ceremony(expires_at);

CREATE TABLE enrollment_links (
    id TEXT PRIMARY KEY NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users(id),
    created_by TEXT REFERENCES users(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);

-- One row, claimed once: the first start creates the first administrator.
CREATE TABLE install_state (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    bootstrap_user_id TEXT NOT NULL REFERENCES users(id),
    bootstrapped_at BIGINT NOT NULL
);

CREATE TABLE roles (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    tier INTEGER NOT NULL CHECK (tier BETWEEN 0 AND 2),
    builtin BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL
);

INSERT INTO roles (id, name, description, tier, builtin, created_at) VALUES
('57170000-0000-4000-8000-000000000001', 'Global Administrator', 'Everything in Stint.', 0, TRUE, 0),
('57170000-0000-4000-8000-000000000002', 'Privileged Role Administrator', 'Role policies, assignments and access reviews.', 0, TRUE, 0),
('57170000-0000-4000-8000-000000000003', 'Security Administrator', 'Alerts, break-glass accounts, notification channels and connectors.', 1, TRUE, 0),
('57170000-0000-4000-8000-000000000004', 'User Administrator', 'Users, invitations and passkey resets for non-privileged users.', 1, TRUE, 0),
('57170000-0000-4000-8000-000000000005', 'Security Reader', 'Read-only access to audit, insights, reviews and settings.', 2, TRUE, 0);

CREATE TABLE assignments (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    role_id TEXT NOT NULL REFERENCES roles(id),
    kind TEXT NOT NULL CHECK (kind IN ('eligible', 'active')),
    starts_at BIGINT NOT NULL,
    -- NULL = permanent, which policy allows only for break-glass active assignments.
    ends_at BIGINT,
    assigned_by TEXT REFERENCES users(id),
    justification TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CHECK (ends_at IS NULL OR ends_at > starts_at)
);
CREATE INDEX assignments_user ON assignments(user_id, kind);

-- The head of the audit hash chain: one row, updated with every append, which serialises
-- appenders on both engines.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, 'genesis');

CREATE TABLE audit_events (
    seq BIGINT PRIMARY KEY NOT NULL,
    at BIGINT NOT NULL,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL,
    actor_id TEXT,
    subject_user_id TEXT,
    details TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_events_actor ON audit_events(actor_id, seq);
CREATE INDEX audit_events_subject ON audit_events(subject_user_id, seq);

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;
