-- The sweeper marks a case overdue once per deadline: `overdue_for` holds the deadline it flagged.
ALTER TABLE submissions ADD COLUMN overdue_for TIMESTAMP;
CREATE INDEX submissions_due ON submissions (due_at);

-- The transactional outbox: mail written in the same transaction as the change that causes it.
-- Sending (with leases, retries and dead letters) is the mail worker's.
CREATE TABLE outbox (
    id BIGSERIAL PRIMARY KEY,
    -- which mail: e.g. overdue_notice
    template TEXT NOT NULL,
    recipient TEXT NOT NULL,
    case_code TEXT,
    -- template parameters as JSON
    payload TEXT NOT NULL,
    lang TEXT NOT NULL,
    -- pending | sent | dead
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    lease_until TIMESTAMP,
    sent_at TIMESTAMP,
    last_error TEXT
);
CREATE INDEX outbox_pending ON outbox (status, next_attempt_at);
