DROP VIEW stats_days_all;
DROP VIEW stats_daily_all;
DROP TABLE stats_days_delta;
DROP TABLE stats_daily_delta;
