DROP INDEX submissions_contact;
DROP TABLE case_bands;
DROP TABLE case_fingerprints;
DROP INDEX submissions_lead;
ALTER TABLE submissions DROP COLUMN lead_id;
