-- The ledger (台账) reads each category's cases by the unit holding them now, then the day they
-- were received, in keyset pages: this index serves that order from any cursor, so a page costs
-- its own rows rather than a sort of the whole category. The expression is the statistics' own
-- "unit holding the case now" (storage::stats::HOLDER), written the same way.
CREATE INDEX submissions_ledger ON submissions (category, COALESCE(assigned_unit, dispatch_unit, ''), received_day, id);
