-- Routing decisions: the rule that fired, its explanation, and the office holding an unrouted case.
ALTER TABLE submissions ADD COLUMN routing_rule TEXT;
ALTER TABLE submissions ADD COLUMN routing_note TEXT;
ALTER TABLE submissions ADD COLUMN routing_note_en TEXT;
-- The rectification office whose dispatchers hold a `pending_dispatch` case.
ALTER TABLE submissions ADD COLUMN dispatch_unit TEXT;
