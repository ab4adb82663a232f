DROP TABLE contact_quota;
DROP TABLE submission_events;
DROP TABLE submissions;
