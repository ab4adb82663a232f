-- Staff sessions the server can end (issue #13): the cookie holds a random session id; only its
-- SHA-256 is stored here. Every staff request looks its row up, so deleting the row ends the
-- session at once — at sign-out, a password change or reset, disabling the account, or an
-- administrator's "sign out everywhere". `created_at` bounds the session's whole life (12 h),
-- `last_seen_at` its idle time (8 h); expired rows are pruned by housekeeping.
CREATE TABLE staff_sessions (
    id BIGSERIAL PRIMARY KEY,
    -- SHA-256 (hex) of the session id in the cookie
    id_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL
);
CREATE INDEX staff_sessions_user ON staff_sessions (user_id);
CREATE INDEX staff_sessions_last_seen ON staff_sessions (last_seen_at);
