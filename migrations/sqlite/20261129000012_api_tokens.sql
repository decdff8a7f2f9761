-- API tokens for applications that ask Stint who holds which role. The token is shown once;
-- only the SHA-256 of its secret part is kept. Kept identical in migrations/postgres.

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    -- The roles the token may ask about, as a JSON array of ids; NULL for every role.
    role_ids_json TEXT,
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    revoked_by TEXT REFERENCES users(id),
    last_used_at BIGINT
);
