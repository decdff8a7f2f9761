-- Break-glass: the attestation allow-list and each emergency key's custody, witness and drills.
-- Kept identical in migrations/sqlite and migrations/postgres.

-- One allowed authenticator model: the manufacturer's attestation root CA and the model's AAGUID.
CREATE TABLE attestation_cas (
    id TEXT PRIMARY KEY NOT NULL,
    description TEXT NOT NULL,
    ca_pem TEXT NOT NULL,
    -- Hex SHA-256 of the CA certificate's DER, as webauthn-rs keys its CA list.
    ca_fingerprint TEXT NOT NULL,
    aaguid TEXT NOT NULL,
    added_by TEXT NOT NULL REFERENCES users(id),
    added_at BIGINT NOT NULL,
    UNIQUE (ca_fingerprint, aaguid)
);

-- A break-glass account's hardware key. The credential itself is a row of `passkeys`
-- (attested = true); this is its custody record. A key signs in only once a second
-- administrator witnessed its enrollment and while it is not disabled.
CREATE TABLE break_glass_keys (
    passkey_id TEXT PRIMARY KEY NOT NULL REFERENCES passkeys(id),
    user_id TEXT NOT NULL REFERENCES users(id),
    model TEXT NOT NULL,
    location TEXT NOT NULL,
    custodian TEXT NOT NULL,
    enrolled_by TEXT NOT NULL REFERENCES users(id),
    enrolled_at BIGINT NOT NULL,
    witnessed_by TEXT REFERENCES users(id),
    witnessed_at BIGINT,
    last_validated_at BIGINT,
    disabled_at BIGINT,
    disabled_reason TEXT
);
CREATE INDEX break_glass_keys_user ON break_glass_keys(user_id);

-- Each emergency sign-in, and the after-the-fact justification its session must record before
-- it can do anything else.
CREATE TABLE break_glass_uses (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id),
    passkey_id TEXT NOT NULL REFERENCES passkeys(id),
    ip TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    justification TEXT,
    justified_at BIGINT
);
CREATE INDEX break_glass_uses_started ON break_glass_uses(started_at);
