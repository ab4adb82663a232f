DROP VIEW stats_days_all;
DROP VIEW stats_daily_all;
-- In the order the fold job takes them (daily, then days), so a revert beside a running fold
-- waits for it instead of deadlocking with it.
DROP TABLE stats_daily_delta;
DROP TABLE stats_days_delta;
