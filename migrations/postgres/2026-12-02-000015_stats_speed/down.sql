DROP INDEX submissions_concluded;
CREATE INDEX submissions_received ON submissions (received_day);
DROP INDEX submissions_figures;
CREATE INDEX submission_events_action_at ON submission_events (action, at);
DROP INDEX submission_events_figures;
ALTER TABLE submission_events DROP COLUMN received_day;
