DROP INDEX submissions_unit_state;
