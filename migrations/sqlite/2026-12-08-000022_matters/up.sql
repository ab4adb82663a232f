-- One matter, many voices (issue #16).
--
-- A case linked to a matter follows its lead case: `lead_id` names the lead (never a case that
-- is itself linked). The lead and the cases following it are one matter; each keeps its own
-- tracking code, timeline and deadlines.
ALTER TABLE submissions ADD COLUMN lead_id BIGINT REFERENCES submissions (id);
CREATE INDEX submissions_lead ON submissions (lead_id) WHERE lead_id IS NOT NULL;

-- The similarity fingerprint of a case's text (`domain::similarity`), written by the indexing
-- job after intake, not in the intake transaction: the MinHash signature and the algorithm's
-- version (a case whose version is old is indexed again).
CREATE TABLE case_fingerprints (
    submission_id BIGINT PRIMARY KEY NOT NULL REFERENCES submissions (id),
    version INTEGER NOT NULL,
    signature BLOB NOT NULL,
    indexed_at TIMESTAMP NOT NULL
);
CREATE INDEX case_fingerprints_version ON case_fingerprints (version, submission_id);

-- The LSH band keys of each fingerprint, mixed with the case's area (its region's city) and the
-- algorithm's version, for candidate look-up: cases sharing a key are candidates. `day` is the
-- case's day of receipt; look-ups read only the window, and housekeeping removes keys older than
-- it. One B-tree for the rows (the key first, so a look-up is one range per key) and one for the
-- pruning: a case's keys are never deleted one by one — a new version's keys differ, the old
-- ones match nothing and age out.
CREATE TABLE case_bands (
    key BIGINT NOT NULL,
    day INTEGER NOT NULL,
    submission_id BIGINT NOT NULL REFERENCES submissions (id),
    PRIMARY KEY (key, day, submission_id)
) WITHOUT ROWID;
CREATE INDEX case_bands_day ON case_bands (day);

-- The same reporter's earlier cases, through the contact's blind index (never the contact).
CREATE INDEX submissions_contact ON submissions (contact_index, received_day) WHERE contact_index IS NOT NULL;
