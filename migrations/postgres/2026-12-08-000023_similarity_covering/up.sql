-- Suggestion look-ups (issue #16) read each band key's cases nearest in time from this index
-- alone: the case is in it, so no table row is read per entry.
DROP INDEX case_bands_key;
CREATE INDEX case_bands_key ON case_bands (key, day, submission_id);
