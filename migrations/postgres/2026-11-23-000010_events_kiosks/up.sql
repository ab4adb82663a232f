-- Open days (开放日): an event hosted by a unit, with the visitors staff counted.
CREATE TABLE events (
    id BIGSERIAL PRIMARY KEY,
    host_unit TEXT NOT NULL REFERENCES units (code),
    title TEXT NOT NULL,
    place TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    visitors INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL
);

-- Touch-screen kiosks at an event. The enrolment code is shown once and kept as a SHA-256 digest
-- until used; the device then holds a credential (a cookie), also kept only as a digest.
CREATE TABLE kiosks (
    id BIGSERIAL PRIMARY KEY,
    event_id BIGINT NOT NULL REFERENCES events (id),
    name TEXT NOT NULL,
    enrol_hash TEXT UNIQUE,
    credential_hash TEXT UNIQUE,
    enrolled_at TIMESTAMP,
    revoked BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL
);

-- Where a submission was made: at which event, on which kiosk, entered by which member of staff.
ALTER TABLE submissions ADD COLUMN event_id BIGINT REFERENCES events (id);
ALTER TABLE submissions ADD COLUMN kiosk_id BIGINT REFERENCES kiosks (id);
ALTER TABLE submissions ADD COLUMN entered_by TEXT;
CREATE INDEX submissions_event ON submissions (event_id);
