-- The audit log without a global lock (issue #14): one hash chain per case (per actor for entries
-- about no case) instead of one chain through every entry, and checkpoints that a single sealing
-- job commits over all entries since the previous one (src/storage/audit.rs).
--
-- The entries already written keep their hashes: they become the chain 'legacy', numbered in
-- their order, and `minsheng audit verify` checks them under the rule they were written with.
-- Nothing in the history is rewritten. SQLite cannot add NOT NULL columns without a default, so
-- the table is rebuilt (AUTOINCREMENT keeps an id from ever being used twice).
CREATE TABLE audit_log_chained (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    at TIMESTAMP NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    case_code TEXT,
    detail TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    -- the case's tracking code, 'actor:<name>' for an entry about no case, or 'legacy'
    chain TEXT NOT NULL,
    -- 1, 2, ... within the chain
    seq BIGINT NOT NULL,
    -- the checkpoint that sealed it; NULL until the sealing job has
    checkpoint BIGINT
);
INSERT INTO audit_log_chained (id, at, actor, action, case_code, detail, prev_hash, hash, chain, seq)
SELECT id, at, actor, action, case_code, detail, prev_hash, hash, 'legacy',
       ROW_NUMBER() OVER (ORDER BY id)
FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_chained RENAME TO audit_log;
CREATE UNIQUE INDEX audit_log_chain_seq ON audit_log (chain, seq);
CREATE INDEX audit_log_checkpoint ON audit_log (checkpoint, id);
CREATE INDEX audit_log_unsealed ON audit_log (id) WHERE checkpoint IS NULL;

CREATE TABLE audit_checkpoints (
    -- 1, 2, ...: the previous checkpoint's id plus one, so two sealers can never both commit N
    id BIGINT PRIMARY KEY NOT NULL,
    sealed_at TIMESTAMP NOT NULL,
    -- the lowest and highest entry id it seals, and how many entries
    first_entry BIGINT NOT NULL,
    last_entry BIGINT NOT NULL,
    entries BIGINT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
