-- Open311 GeoReport v2 (issue #15): integrations and the requests they filed.
-- A key is shown once by `minsheng open311 key create`; only its SHA-256 is kept. Revoking sets
-- `revoked_at`; the row stays so the requests it filed keep their owner.
CREATE TABLE open311_keys (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    -- SHA-256 (hex) of the key
    key_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);

-- One row per submission filed through Open311, written in the intake transaction: which key
-- filed it (GET requests shows a key its own) and the location as sent (lat/long, address).
CREATE TABLE open311_requests (
    submission_id BIGINT PRIMARY KEY REFERENCES submissions (id),
    key_id BIGINT NOT NULL REFERENCES open311_keys (id),
    lat DOUBLE PRECISION,
    long DOUBLE PRECISION,
    address_string TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX open311_requests_key ON open311_requests (key_id, created_at);
