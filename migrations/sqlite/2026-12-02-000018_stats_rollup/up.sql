-- The statistics rollup (issue #12): the case-attributed figures of one day's cases per unit and
-- kind, and the day figures of one month's cases per unit and kind, kept in the same transaction
-- as every change to a case (src/storage/stats/rollup.rs), so the dashboard reads a month of a
-- million cases from a few thousand rows. The rollup is filled from the cases when the service
-- next starts (stats_rollup_stale), with the same SQL conditions the figures are defined by.
CREATE TABLE stats_daily (
    day INTEGER NOT NULL,
    unit TEXT NOT NULL,
    kind TEXT NOT NULL,
    received BIGINT NOT NULL DEFAULT 0,
    pending_dispatch BIGINT NOT NULL DEFAULT 0,
    accepted BIGINT NOT NULL DEFAULT 0,
    rejected BIGINT NOT NULL DEFAULT 0,
    merged BIGINT NOT NULL DEFAULT 0,
    concluded BIGINT NOT NULL DEFAULT 0,
    on_time BIGINT NOT NULL DEFAULT 0,
    solved BIGINT NOT NULL DEFAULT 0,
    ratable BIGINT NOT NULL DEFAULT 0,
    rated BIGINT NOT NULL DEFAULT 0,
    satisfied BIGINT NOT NULL DEFAULT 0,
    reopened BIGINT NOT NULL DEFAULT 0,
    o_substantiated BIGINT NOT NULL DEFAULT 0,
    o_partly BIGINT NOT NULL DEFAULT 0,
    o_unsubstantiated BIGINT NOT NULL DEFAULT 0,
    o_unresolvable BIGINT NOT NULL DEFAULT 0,
    o_none BIGINT NOT NULL DEFAULT 0,
    -- Cases concluded on this day (whenever received): the weekly trend's second line.
    concluded_on BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (day, unit, kind)
);
-- Days from receipt to acceptance ('accept') and from acceptance to conclusion ('conclude'), as
-- a histogram per month of receipt: the mean and the 90th percentile are exact from it.
CREATE TABLE stats_days (
    month INTEGER NOT NULL,
    unit TEXT NOT NULL,
    kind TEXT NOT NULL,
    measure TEXT NOT NULL,
    days INTEGER NOT NULL,
    n BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (month, unit, kind, measure, days)
);
-- A row here: the rollup must be rebuilt from the cases (after this migration, a bulk load).
CREATE TABLE stats_rollup_stale (id INTEGER PRIMARY KEY);
INSERT INTO stats_rollup_stale (id) VALUES (1);
-- Overdue now is counted live, over the open cases past their deadline: few, whatever the year.
CREATE INDEX submissions_open_due ON submissions (due_at, received_day, assigned_unit, dispatch_unit, kind)
    WHERE state IN ('pending_dispatch', 'assigned', 'accepted', 'reopened');
