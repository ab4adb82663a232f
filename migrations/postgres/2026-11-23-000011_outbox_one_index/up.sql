-- One index serves the outbox: (status, next_attempt_at) finds due mail, lists dead mail and counts
-- per status. A second one on (status, id) cost every queued mail an index write at intake.
DROP INDEX outbox_status_id;
