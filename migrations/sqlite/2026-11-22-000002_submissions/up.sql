-- Submissions (来件), their timeline, and per-contact daily quotas.
CREATE TABLE submissions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    tracking_code TEXT NOT NULL UNIQUE,
    access_key_hash TEXT NOT NULL,
    kind TEXT NOT NULL,
    category TEXT NOT NULL REFERENCES categories (code),
    channel TEXT NOT NULL,
    region TEXT NOT NULL REFERENCES regions (code),
    target_unit TEXT REFERENCES units (code),
    title TEXT,
    body TEXT NOT NULL,
    -- reporter identity, sealed with XChaCha20-Poly1305 (never stored in clear)
    reporter_sealed BLOB,
    -- HMAC blind index of the contact (e-mail, else phone)
    contact_index TEXT,
    anonymous BOOLEAN NOT NULL,
    lang TEXT NOT NULL,
    state TEXT NOT NULL,
    assigned_unit TEXT REFERENCES units (code),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX submissions_state ON submissions (state);
CREATE INDEX submissions_assigned_unit ON submissions (assigned_unit);

CREATE TABLE submission_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    submission_id BIGINT NOT NULL REFERENCES submissions (id),
    at TIMESTAMP NOT NULL,
    action TEXT NOT NULL,
    state TEXT NOT NULL,
    note TEXT,
    note_en TEXT,
    public BOOLEAN NOT NULL
);
CREATE INDEX submission_events_submission ON submission_events (submission_id, id);

CREATE TABLE contact_quota (
    contact_index TEXT NOT NULL,
    day TEXT NOT NULL,
    used INTEGER NOT NULL,
    PRIMARY KEY (contact_index, day)
);
