ALTER TABLE submission_events DROP COLUMN actor;
DROP TABLE audit_log;
DROP TABLE api_tokens;
DROP TABLE users;
