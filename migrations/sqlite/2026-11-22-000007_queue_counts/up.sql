-- Counting a unit's open cases per state reads this index alone, not every case in those states.
CREATE INDEX submissions_unit_state ON submissions (assigned_unit, state);
