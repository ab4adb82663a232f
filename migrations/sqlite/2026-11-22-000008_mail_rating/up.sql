-- Mail to citizens: the address is sealed (as reporter identity is) and wiped once the mail is
-- sent. `audience` says whose mail a row is: citizen | unit | staff.
ALTER TABLE outbox ADD COLUMN audience TEXT NOT NULL DEFAULT 'unit';
ALTER TABLE outbox ADD COLUMN recipient_sealed BLOB;
-- Which worker holds the lease: only it may mark the row sent or failed.
ALTER TABLE outbox ADD COLUMN lease_owner TEXT;
CREATE INDEX outbox_status_id ON outbox (status, id);

-- A staff member's own address, for notices addressed to them (a review for a supervisor).
ALTER TABLE users ADD COLUMN email TEXT;

-- After an answer the citizen may rate it until rating_until; `review_round` counts the times a
-- "not satisfied" rating reopened the case (复查), and each answer gets at most one rating.
ALTER TABLE submissions ADD COLUMN rating_until TIMESTAMP;
ALTER TABLE submissions ADD COLUMN review_round INTEGER NOT NULL DEFAULT 0;
CREATE INDEX submissions_rating_until ON submissions (rating_until);

CREATE TABLE ratings (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    submission_id BIGINT NOT NULL REFERENCES submissions (id),
    round INTEGER NOT NULL,
    -- satisfied | basically_satisfied | not_satisfied
    rating TEXT NOT NULL,
    comment TEXT,
    at TIMESTAMP NOT NULL,
    UNIQUE (submission_id, round)
);
