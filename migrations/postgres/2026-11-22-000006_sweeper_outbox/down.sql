DROP TABLE outbox;
DROP INDEX submissions_due;
ALTER TABLE submissions DROP COLUMN overdue_for;
