-- The audit log without a global lock (issue #14): one hash chain per case (per actor for entries
-- about no case) instead of one chain through every entry, and checkpoints that a single sealing
-- job commits over all entries since the previous one (src/storage/audit.rs).
--
-- The entries already written keep their hashes: they become the chain 'legacy', numbered in
-- their order, and `minsheng audit verify` checks them under the rule they were written with.
-- Nothing in the history is rewritten.
-- chain: the case's tracking code, 'actor:<name>' for an entry about no case, or 'legacy';
-- seq: 1, 2, ... within the chain; checkpoint: the one that sealed it, NULL until sealed.
ALTER TABLE audit_log ADD COLUMN chain TEXT;
ALTER TABLE audit_log ADD COLUMN seq BIGINT;
ALTER TABLE audit_log ADD COLUMN checkpoint BIGINT;
UPDATE audit_log a SET chain = 'legacy', seq = n.seq
FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS seq FROM audit_log) n
WHERE a.id = n.id;
ALTER TABLE audit_log ALTER COLUMN chain SET NOT NULL;
ALTER TABLE audit_log ALTER COLUMN seq SET NOT NULL;
CREATE UNIQUE INDEX audit_log_chain_seq ON audit_log (chain, seq);
CREATE INDEX audit_log_checkpoint ON audit_log (checkpoint, id);
CREATE INDEX audit_log_unsealed ON audit_log (id) WHERE checkpoint IS NULL;

CREATE TABLE audit_checkpoints (
    -- 1, 2, ...: the previous checkpoint's id plus one, so two sealers can never both commit N
    id BIGINT PRIMARY KEY,
    sealed_at TIMESTAMP NOT NULL,
    -- the lowest and highest entry id it seals, and how many entries
    first_entry BIGINT NOT NULL,
    last_entry BIGINT NOT NULL,
    entries BIGINT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
