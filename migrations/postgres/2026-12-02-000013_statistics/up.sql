-- Statistics (issue #12). Each case carries the facts its figures are counted from, kept in the
-- same transaction as the change that makes them true: the Beijing day and month it was
-- received, the day it was first accepted, the day its conclusion in force was reached and
-- whether that was on time, and the citizen's latest rating. Days are counted from 1970-01-01,
-- Beijing time, so day differences and weeks are plain integer arithmetic on both backends.
ALTER TABLE submissions ADD COLUMN received_day INTEGER NOT NULL DEFAULT 0;
ALTER TABLE submissions ADD COLUMN received_month INTEGER NOT NULL DEFAULT 0;
ALTER TABLE submissions ADD COLUMN accepted_day INTEGER;
ALTER TABLE submissions ADD COLUMN concluded_day INTEGER;
ALTER TABLE submissions ADD COLUMN on_time BOOLEAN;
ALTER TABLE submissions ADD COLUMN rating TEXT;
-- Published answers: the citizen's consent, and what a handler published.
ALTER TABLE submissions ADD COLUMN publishable BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE submissions ADD COLUMN public_summary TEXT;
ALTER TABLE submissions ADD COLUMN public_answer TEXT;
ALTER TABLE submissions ADD COLUMN published_at TIMESTAMP;

-- Every timeline event names the unit holding the case after it, the unit that held it before
-- when it changed hands, the deadline it set, and its value (an outcome, a rating).
ALTER TABLE submission_events ADD COLUMN unit TEXT;
ALTER TABLE submission_events ADD COLUMN from_unit TEXT;
ALTER TABLE submission_events ADD COLUMN deadline TIMESTAMP;
ALTER TABLE submission_events ADD COLUMN detail TEXT;

UPDATE submissions SET
    received_day = CAST(FLOOR(EXTRACT(EPOCH FROM created_at + INTERVAL '8 hours') / 86400) AS INTEGER),
    received_month = CAST(to_char(created_at + INTERVAL '8 hours', 'YYYYMM') AS INTEGER);
UPDATE submissions SET accepted_day = (
    SELECT CAST(FLOOR(EXTRACT(EPOCH FROM MIN(e.at) + INTERVAL '8 hours') / 86400) AS INTEGER)
    FROM submission_events e WHERE e.submission_id = submissions.id AND e.action = 'accepted');
UPDATE submissions SET concluded_day = (
    SELECT CAST(FLOOR(EXTRACT(EPOCH FROM MAX(e.at) + INTERVAL '8 hours') / 86400) AS INTEGER)
    FROM submission_events e WHERE e.submission_id = submissions.id AND e.action = 'resolved')
WHERE state IN ('resolved', 'closed');
UPDATE submissions SET on_time = (
    SELECT MAX(e.at) <= submissions.handle_deadline
    FROM submission_events e WHERE e.submission_id = submissions.id AND e.action = 'resolved')
WHERE state IN ('resolved', 'closed') AND handle_deadline IS NOT NULL;
UPDATE submissions SET rating = (
    SELECT r.rating FROM ratings r WHERE r.submission_id = submissions.id
    ORDER BY r.round DESC LIMIT 1);
UPDATE submission_events SET unit = (
    SELECT COALESCE(s.assigned_unit, s.dispatch_unit) FROM submissions s
    WHERE s.id = submission_events.submission_id);

-- The period scan of the figures, and the event figures by action and time.
CREATE INDEX submissions_received ON submissions (received_day);
CREATE INDEX submissions_published ON submissions (published_at);
CREATE INDEX submission_events_action_at ON submission_events (action, at);
