DROP INDEX submissions_event;
ALTER TABLE submissions DROP COLUMN entered_by;
ALTER TABLE submissions DROP COLUMN kiosk_id;
ALTER TABLE submissions DROP COLUMN event_id;
DROP TABLE kiosks;
DROP TABLE events;
