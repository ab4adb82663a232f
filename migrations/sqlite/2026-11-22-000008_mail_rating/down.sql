DROP TABLE ratings;
DROP INDEX submissions_rating_until;
ALTER TABLE submissions DROP COLUMN review_round;
ALTER TABLE submissions DROP COLUMN rating_until;
ALTER TABLE users DROP COLUMN email;
DROP INDEX outbox_status_id;
ALTER TABLE outbox DROP COLUMN lease_owner;
ALTER TABLE outbox DROP COLUMN recipient_sealed;
ALTER TABLE outbox DROP COLUMN audience;
