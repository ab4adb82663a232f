ALTER TABLE submissions DROP COLUMN dispatch_unit;
ALTER TABLE submissions DROP COLUMN routing_note_en;
ALTER TABLE submissions DROP COLUMN routing_note;
ALTER TABLE submissions DROP COLUMN routing_rule;
