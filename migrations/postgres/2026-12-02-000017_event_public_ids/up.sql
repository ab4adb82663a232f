-- Open-day events get an unguessable public id (issue #13): the public figures of an event were
-- at /api/v1/events/{id}/stats with the sequential row id, so anyone could walk every event,
-- including ones not yet announced. The public URL now carries 24 hex characters (96 random
-- bits); the row id stays for staff pages behind sign-in.
-- Existing events get theirs here from gen_random_uuid() (PostgreSQL 13+, a strong random
-- source), hashed to 24 hex characters; new ones from the application (the OS's CSPRNG).
ALTER TABLE events ADD COLUMN public_id TEXT;
UPDATE events SET public_id = substr(md5(gen_random_uuid()::text), 1, 24) WHERE public_id IS NULL;
ALTER TABLE events ALTER COLUMN public_id SET NOT NULL;
CREATE UNIQUE INDEX events_public_id ON events (public_id);
