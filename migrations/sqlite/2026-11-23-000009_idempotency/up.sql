-- A submission sent with an Idempotency-Key is created once; a retry with the same key gets the
-- first answer again. The answer holds the access key, so it is kept sealed; rows are forgotten
-- after a day. `scope` separates where keys come from (the API, later each kiosk).
CREATE TABLE idempotency_keys (
    scope TEXT NOT NULL,
    idem_key TEXT NOT NULL,
    -- SHA-256 of the request: the same key with a different request is refused
    request_hash TEXT NOT NULL,
    response_sealed BLOB,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (scope, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
