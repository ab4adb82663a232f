-- The rollup without a hot row (issue #14). Every new case of a day, unit and kind used to add
-- itself to one stats_daily row by an upsert; on PostgreSQL that row stays locked until the
-- transaction's commit is on disk, so intakes of the same day, unit and kind ran one at a time.
-- Now a change appends its share (the rows after it, less the rows before it) to these tables,
-- which have no key and so nothing to wait for; a job folds them into stats_daily and stats_days
-- every second (src/storage/stats/rollup.rs), and readers read the *_all views: rollup plus
-- deltas not yet folded, in one statement, so a figure is exact at every moment.
CREATE TABLE stats_daily_delta (
    day INTEGER NOT NULL,
    unit TEXT NOT NULL,
    kind TEXT NOT NULL,
    received BIGINT NOT NULL,
    pending_dispatch BIGINT NOT NULL,
    accepted BIGINT NOT NULL,
    rejected BIGINT NOT NULL,
    merged BIGINT NOT NULL,
    concluded BIGINT NOT NULL,
    on_time BIGINT NOT NULL,
    solved BIGINT NOT NULL,
    ratable BIGINT NOT NULL,
    rated BIGINT NOT NULL,
    satisfied BIGINT NOT NULL,
    reopened BIGINT NOT NULL,
    o_substantiated BIGINT NOT NULL,
    o_partly BIGINT NOT NULL,
    o_unsubstantiated BIGINT NOT NULL,
    o_unresolvable BIGINT NOT NULL,
    o_none BIGINT NOT NULL,
    concluded_on BIGINT NOT NULL
);
CREATE TABLE stats_days_delta (
    month INTEGER NOT NULL,
    unit TEXT NOT NULL,
    kind TEXT NOT NULL,
    measure TEXT NOT NULL,
    days INTEGER NOT NULL,
    n BIGINT NOT NULL
);
CREATE VIEW stats_daily_all AS
    SELECT day, unit, kind, received, pending_dispatch, accepted, rejected, merged, concluded, on_time, solved, ratable, rated, satisfied, reopened, o_substantiated, o_partly, o_unsubstantiated, o_unresolvable, o_none, concluded_on FROM stats_daily
    UNION ALL
    SELECT day, unit, kind, received, pending_dispatch, accepted, rejected, merged, concluded, on_time, solved, ratable, rated, satisfied, reopened, o_substantiated, o_partly, o_unsubstantiated, o_unresolvable, o_none, concluded_on FROM stats_daily_delta;
CREATE VIEW stats_days_all AS
    SELECT month, unit, kind, measure, days, n FROM stats_days
    UNION ALL
    SELECT month, unit, kind, measure, days, n FROM stats_days_delta;
