-- Open-day events get an unguessable public id (issue #13): the public figures of an event were
-- at /api/v1/events/{id}/stats with the sequential row id, so anyone could walk every event,
-- including ones not yet announced. The public URL now carries 24 hex characters (96 random
-- bits); the row id stays for staff pages behind sign-in.
-- Existing events get theirs here from SQLite's randomblob (seeded from the operating system);
-- new ones from the application (the OS's CSPRNG). The column stays nullable in SQLite (ALTER
-- TABLE cannot add NOT NULL without a default); the application always sets it.
ALTER TABLE events ADD COLUMN public_id TEXT;
UPDATE events SET public_id = lower(hex(randomblob(12))) WHERE public_id IS NULL;
CREATE UNIQUE INDEX events_public_id ON events (public_id);
