DROP INDEX submissions_open_due;
DROP TABLE stats_rollup_stale;
DROP TABLE stats_days;
DROP TABLE stats_daily;
