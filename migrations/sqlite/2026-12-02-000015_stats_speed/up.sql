-- The statistics over a million cases (issue #12). Profiled on 200,000 seeded cases, one month's
-- figures took 0.7–1.0 s: half in the event figures, which probed every event of every case of
-- the month and read each row to see its action; the rest in reading each case's row from the
-- table, scattered over the file. So:
-- 1. each event carries its case's day of receipt, and one index holds the event figures'
--    columns by (action, day): a period's events of one kind are one index range, no table reads;
ALTER TABLE submission_events ADD COLUMN received_day INTEGER NOT NULL DEFAULT 0;
UPDATE submission_events SET received_day = (
    SELECT s.received_day FROM submissions s WHERE s.id = submission_events.submission_id);
CREATE INDEX submission_events_figures ON submission_events (action, received_day, submission_id, unit, from_unit);
DROP INDEX submission_events_action_at;
-- 2. the cases' figure columns are in one covering index by day of receipt: a period's cases are
--    read in one index range, never from the table;
CREATE INDEX submissions_figures ON submissions (received_day, assigned_unit, dispatch_unit, kind,
    category, channel, region, event_id, state, accepted_day, concluded_day, on_time, outcome,
    rating, review_round, due_at);
DROP INDEX submissions_received;
-- 3. the weekly trend's "concluded that week" reads conclusions by day.
CREATE INDEX submissions_concluded ON submissions (concluded_day);
