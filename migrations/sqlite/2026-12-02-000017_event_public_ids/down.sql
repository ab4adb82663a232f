DROP INDEX events_public_id;
ALTER TABLE events DROP COLUMN public_id;
