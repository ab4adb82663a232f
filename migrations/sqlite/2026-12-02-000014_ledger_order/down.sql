DROP INDEX submissions_ledger;
