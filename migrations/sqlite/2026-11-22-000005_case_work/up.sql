-- Working a case: its deadlines, the one extension, the outcome, merging and supervision.
-- `due_at` is the deadline that matters now (acceptance while assigned, handling once accepted).
ALTER TABLE submissions ADD COLUMN due_at TIMESTAMP;
ALTER TABLE submissions ADD COLUMN accept_deadline TIMESTAMP;
ALTER TABLE submissions ADD COLUMN handle_deadline TIMESTAMP;
-- none | requested | granted | refused
ALTER TABLE submissions ADD COLUMN extension TEXT NOT NULL DEFAULT 'none';
ALTER TABLE submissions ADD COLUMN extension_days INTEGER;
ALTER TABLE submissions ADD COLUMN outcome TEXT;
ALTER TABLE submissions ADD COLUMN result TEXT;
ALTER TABLE submissions ADD COLUMN merged_into TEXT;
ALTER TABLE submissions ADD COLUMN supervised BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX submissions_queue ON submissions (assigned_unit, due_at, id);

-- Why staff did something (shown to staff; the public note is what the citizen reads).
ALTER TABLE submission_events ADD COLUMN reason TEXT;
