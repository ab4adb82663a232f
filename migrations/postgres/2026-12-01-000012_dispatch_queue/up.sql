-- A dispatcher's queue is the cases waiting at their office (and the offices below it), nearest
-- deadline first: the same shape as a unit's queue, read from this index in order.
CREATE INDEX submissions_dispatch_queue ON submissions (dispatch_unit, due_at, id);
