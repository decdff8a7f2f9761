-- Alert findings already announced: each high-severity finding (its kind and the item it
-- names) is notified and audited once, when it first appears. Kept identical in
-- migrations/postgres.

CREATE TABLE raised_alerts (
    fingerprint TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    first_seen_at BIGINT NOT NULL
);
