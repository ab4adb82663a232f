CREATE INDEX outbox_status_id ON outbox (status, id);
