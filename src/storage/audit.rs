//! The audit log: append-only and tamper-evident, with no lock that all writers share.
//!
//! **Chains.** Every entry belongs to one chain: the case's tracking code for what happened to a
//! case, `actor:<name>` for what someone did that concerns no case, and `legacy` for the entries
//! written before chains were per case. Within its chain an entry has a number (`seq`: 1, 2, …,
//! unique per chain) and the hash of the entry before it (`prev_hash`; [`GENESIS`] for the first).
//! Its own hash is SHA-256 over the JSON array `[chain, seq, prev_hash, at, actor, action,
//! case_code, detail]`. An entry is appended in its case's own transaction, after the chain's
//! last entry; what stops two transactions from both appending entry N to one chain is the
//! chain's own lock (see [`append`]): the case row, or on PostgreSQL a per-chain advisory lock
//! for the chains of no case. Writers of different cases never wait for each other; on SQLite
//! there is only one writer anyway. (The unique (chain, seq) index would turn a fork into an
//! error rather than a second entry N.)
//!
//! **Checkpoints.** A chain alone does not show that its newest entries were removed. The sealing
//! job ([`seal`], one holder at a time) periodically marks every entry not yet sealed with the
//! next checkpoint number and commits that checkpoint: how many entries, their lowest and highest
//! id, and a hash over the checkpoint's number, the previous checkpoint's hash, its time and each
//! entry's id and hash in id order. An entry whose transaction commits after a round is simply
//! not visible to it and is sealed by the next one.
//!
//! **Verification** ([`verify`]) walks every chain (numbers without gaps from 1, each link, each
//! hash) and every checkpoint (numbers without gaps, each link, each one's entries against its
//! count, ids and hash). Legacy entries are checked under the rule they were written with: the
//! hash of `[prev_hash, at, actor, action, case_code, detail]`, chained in id order.

use chrono::{NaiveDateTime, Timelike};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool};
use sha2::{Digest, Sha256};

use super::schema::{audit_checkpoints, audit_log, submissions};
use super::DbConn;
use crate::on_each_backend;

/// The `prev_hash` of the first entry of a chain, and of the first checkpoint.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// The actor of what the system or an anonymous citizen did.
pub const SYSTEM: &str = "system";
/// The chain holding the entries written while the log was one chain (before the migration
/// `2026-12-02-000019_audit_chains`).
pub const LEGACY: &str = "legacy";
/// Any fixed number: the PostgreSQL advisory lock only the sealing job takes, so that one
/// instance seals at a time. No request transaction ever takes it.
const SEAL_LOCK: i64 = 0x6d73_7365_616c;
/// Rows read per statement while sealing or verifying.
const PAGE: i64 = 1_000;

pub struct AuditEntry<'a> {
    pub at: NaiveDateTime,
    pub actor: &'a str,
    pub action: &'a str,
    pub case_code: Option<&'a str>,
    pub detail: Option<&'a str>,
}

impl AuditEntry<'_> {
    /// The chain the entry goes on: its case's, else its actor's.
    pub fn chain(&self) -> String {
        match self.case_code {
            Some(code) => code.to_owned(),
            None => format!("actor:{}", self.actor),
        }
    }
}

/// Both databases keep microseconds; the hash is taken over what is stored.
fn stored_precision(at: NaiveDateTime) -> NaiveDateTime {
    at.with_nanosecond(at.nanosecond() / 1_000 * 1_000).unwrap_or(at)
}

fn timestamp(at: NaiveDateTime) -> String {
    stored_precision(at).format("%Y-%m-%dT%H:%M:%S%.6f").to_string()
}

/// The hash of an entry of chain `chain`, number `seq`, after the entry hashed `prev_hash`.
pub fn entry_hash(chain: &str, seq: i64, prev_hash: &str, e: &AuditEntry<'_>) -> String {
    let fields = serde_json::json!([
        chain,
        seq,
        prev_hash,
        timestamp(e.at),
        e.actor,
        e.action,
        e.case_code,
        e.detail
    ]);
    hex::encode(Sha256::digest(fields.to_string().as_bytes()))
}

/// The hash of a [`LEGACY`] entry: the rule of the single chain, which did not hash its place.
pub fn legacy_hash(prev_hash: &str, e: &AuditEntry<'_>) -> String {
    let fields = serde_json::json!([
        prev_hash,
        timestamp(e.at),
        e.actor,
        e.action,
        e.case_code,
        e.detail
    ]);
    hex::encode(Sha256::digest(fields.to_string().as_bytes()))
}

/// An entry with its place in its chain and its hash: what a row of `audit_log` holds.
#[derive(Debug, Insertable)]
#[diesel(table_name = audit_log, treat_none_as_default_value = false)]
pub struct ChainedEntry {
    at: NaiveDateTime,
    actor: String,
    action: String,
    case_code: Option<String>,
    detail: Option<String>,
    prev_hash: String,
    hash: String,
    chain: String,
    seq: i64,
}

impl ChainedEntry {
    /// `e` as entry `seq` of `chain`, after the entry hashed `prev_hash`.
    fn new(e: &AuditEntry<'_>, chain: String, seq: i64, prev_hash: String) -> ChainedEntry {
        let hash = entry_hash(&chain, seq, &prev_hash, e);
        ChainedEntry {
            at: stored_precision(e.at),
            actor: e.actor.to_owned(),
            action: e.action.to_owned(),
            case_code: e.case_code.map(str::to_owned),
            detail: e.detail.map(str::to_owned),
            prev_hash,
            hash,
            chain,
            seq,
        }
    }
}

/// The first entries of a case created in the same transaction, chained and hashed here —
/// before the write, no read needed: the chain of a new tracking code is empty. Store them with
/// [`insert_chained`]; if the chain were somehow not new, the unique (chain, seq) index refuses
/// them and nothing forks.
pub fn new_chain(entries: &[AuditEntry<'_>]) -> Vec<ChainedEntry> {
    let mut prev = GENESIS.to_owned();
    let mut out = Vec::with_capacity(entries.len());
    for (i, e) in (1i64..).zip(entries) {
        let entry = ChainedEntry::new(e, e.chain(), i, prev);
        prev = entry.hash.clone();
        out.push(entry);
    }
    out
}

/// Stores entries chained by [`new_chain`], in one statement.
pub fn insert_chained(conn: &mut DbConn, entries: &[ChainedEntry]) -> QueryResult<()> {
    let statement = diesel::insert_into(audit_log::table).values(entries);
    on_each_backend!(conn, |c| statement.execute(c))?;
    Ok(())
}

/// Appends one entry to the end of its chain. Call inside the transaction that does what the
/// entry records.
pub fn append(conn: &mut DbConn, e: &AuditEntry<'_>) -> QueryResult<()> {
    let chain = e.chain();
    lock_chain(conn, e.case_code, &chain)?;
    let last: Option<(i64, String)> = audit_log::table
        .filter(audit_log::chain.eq(&chain))
        .order(audit_log::seq.desc())
        .select((audit_log::seq, audit_log::hash))
        .first(conn)
        .optional()?;
    let (seq, prev) = last.map_or((1, GENESIS.to_owned()), |(seq, hash)| (seq + 1, hash));
    diesel::insert_into(audit_log::table)
        .values(ChainedEntry::new(e, chain, seq, prev))
        .execute(conn)?;
    Ok(())
}

/// Holds chain `chain` until the transaction ends, so that its last entry stays the last one
/// until this transaction has appended after it. SQLite has one writer: nothing to do.
///
/// On PostgreSQL a case's chain is held by the case's row: the very lock every change to the
/// case takes (its UPDATE, or the INSERT of a new case), so this adds no lock and no new order of
/// locks. A chain of no case (or of a code that names no case) takes a transaction-scoped
/// advisory lock keyed by the chain's hash: two chains only ever share one by a 64-bit accident,
/// and then merely wait for each other.
fn lock_chain(conn: &mut DbConn, case_code: Option<&str>, chain: &str) -> QueryResult<()> {
    let DbConn::Postgres(pg) = conn else {
        return Ok(());
    };
    if let Some(code) = case_code {
        let locked: Vec<i64> = submissions::table
            .filter(submissions::tracking_code.eq(code))
            .select(submissions::id)
            .for_update()
            .load(pg)?;
        if !locked.is_empty() {
            return Ok(());
        }
    }
    let digest = Sha256::digest(format!("audit chain {chain}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    let key = i64::from_be_bytes(first);
    diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
        .bind::<BigInt, _>(key)
        .execute(pg)?;
    Ok(())
}

/// A checkpoint the sealing job committed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub checkpoint: i64,
    pub entries: i64,
}

/// What a checkpoint's hash covers, recomputed from the entries marked with it.
struct CheckpointDigest {
    hash: String,
    entries: i64,
    first: Option<i64>,
    last: Option<i64>,
}

/// Hashes checkpoint `n`'s entries in id order, a page at a time.
fn checkpoint_digest(
    conn: &mut DbConn,
    n: i64,
    prev_hash: &str,
    sealed_at: NaiveDateTime,
) -> QueryResult<CheckpointDigest> {
    let mut hasher = Sha256::new();
    hasher.update(format!("{n}\n{prev_hash}\n{}\n", timestamp(sealed_at)).as_bytes());
    let (mut entries, mut first, mut last) = (0, None, None);
    let mut after = i64::MIN;
    loop {
        let page: Vec<(i64, String)> = audit_log::table
            .filter(audit_log::checkpoint.eq(n))
            .filter(audit_log::id.gt(after))
            .order(audit_log::id.asc())
            .select((audit_log::id, audit_log::hash))
            .limit(PAGE)
            .load(conn)?;
        if page.is_empty() {
            break;
        }
        for (id, hash) in page {
            hasher.update(format!("{id} {hash}\n").as_bytes());
            entries += 1;
            first.get_or_insert(id);
            last = Some(id);
            after = id;
        }
    }
    Ok(CheckpointDigest {
        hash: hex::encode(hasher.finalize()),
        entries,
        first,
        last,
    })
}

/// The most entries one checkpoint seals. Under a heavy load a round finds tens of thousands;
/// sealed in one transaction they held SQLite's one writer for 100–250 ms, and every submission
/// queued behind it (issue #14). The sealing job seals them as several checkpoints, one
/// transaction each, so intake's writes go in between.
pub const SEAL_BATCH: i64 = 2_000;

/// Seals the oldest entries committed and not sealed yet (at most [`SEAL_BATCH`]) into the next
/// checkpoint, chained to the previous one. Call inside a write transaction: the marks and the
/// checkpoint commit together.
/// `None` when there was nothing to seal, or (PostgreSQL) another instance is sealing right now —
/// its round seals what this one would have.
///
/// One sealer at a time: on SQLite the one writer; on PostgreSQL an advisory lock that only this
/// job takes, tried rather than waited for. Should two ever run at once all the same, both would
/// mark the same rows (the second waiting on the first's row locks and then skipping what it
/// sealed) and insert the same checkpoint number: the primary key refuses the second.
pub fn seal(conn: &mut DbConn, now: NaiveDateTime) -> QueryResult<Option<Sealed>> {
    if let DbConn::Postgres(pg) = conn {
        #[derive(QueryableByName)]
        struct Got {
            #[diesel(sql_type = Bool)]
            got: bool,
        }
        let lock = diesel::sql_query("SELECT pg_try_advisory_xact_lock($1) AS got")
            .bind::<BigInt, _>(SEAL_LOCK)
            .get_result::<Got>(pg)?;
        if !lock.got {
            return Ok(None);
        }
    }
    let previous: Option<(i64, String)> = audit_checkpoints::table
        .order(audit_checkpoints::id.desc())
        .select((audit_checkpoints::id, audit_checkpoints::hash))
        .first(conn)
        .optional()?;
    let (n, prev) = previous.map_or((1, GENESIS.to_owned()), |(id, hash)| (id + 1, hash));
    // The id of the `SEAL_BATCH`th oldest unsealed entry bounds this checkpoint (none: fewer
    // are waiting, and all go in).
    let bound: Option<i64> = audit_log::table
        .filter(audit_log::checkpoint.is_null())
        .order(audit_log::id)
        .select(audit_log::id)
        .offset(SEAL_BATCH - 1)
        .first(conn)
        .optional()?;
    let marked = diesel::update(
        audit_log::table
            .filter(audit_log::checkpoint.is_null())
            .filter(audit_log::id.le(bound.unwrap_or(i64::MAX))),
    )
    .set(audit_log::checkpoint.eq(n))
    .execute(conn)?;
    if marked == 0 {
        return Ok(None);
    }
    let sealed_at = stored_precision(now);
    let digest = checkpoint_digest(conn, n, &prev, sealed_at)?;
    let (Some(first), Some(last)) = (digest.first, digest.last) else {
        return Ok(None);
    };
    diesel::insert_into(audit_checkpoints::table)
        .values((
            audit_checkpoints::id.eq(n),
            audit_checkpoints::sealed_at.eq(sealed_at),
            audit_checkpoints::first_entry.eq(first),
            audit_checkpoints::last_entry.eq(last),
            audit_checkpoints::entries.eq(digest.entries),
            audit_checkpoints::prev_hash.eq(&prev),
            audit_checkpoints::hash.eq(&digest.hash),
        ))
        .execute(conn)?;
    Ok(Some(Sealed {
        checkpoint: n,
        entries: digest.entries,
    }))
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verification {
    pub entries: u64,
    pub chains: u64,
    pub checkpoints: u64,
    /// Entries no checkpoint covers yet (the newest, until the sealing job's next round).
    pub unsealed: u64,
    /// The lowest id of an entry whose hash, link or number does not match (in a chain, the
    /// entry after a removed one), or that names a checkpoint that does not exist.
    pub first_broken: Option<i64>,
    /// The first checkpoint whose number, link, hash or entries do not match: an entry sealed
    /// by it was changed, removed, or added behind the service's back.
    pub broken_checkpoint: Option<i64>,
}

impl Verification {
    pub fn intact(&self) -> bool {
        self.first_broken.is_none() && self.broken_checkpoint.is_none()
    }

    fn broken_entry(&mut self, id: i64) {
        self.first_broken = Some(self.first_broken.map_or(id, |b| b.min(id)));
    }
}

type Row = (
    i64,
    NaiveDateTime,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    i64,
    Option<i64>,
);

type CheckpointRow = (i64, NaiveDateTime, i64, i64, i64, String, String);

/// Recomputes every chain and every checkpoint, a page at a time, on one snapshot.
pub fn verify(conn: &mut DbConn) -> QueryResult<Verification> {
    super::connection::read_snapshot(conn, |conn| {
        let mut v = Verification::default();
        verify_chains(conn, &mut v)?;
        verify_checkpoints(conn, &mut v)?;
        Ok(v)
    })
}

fn verify_chains(conn: &mut DbConn, v: &mut Verification) -> QueryResult<()> {
    let mut current: Option<String> = None;
    let (mut expected_seq, mut expected_prev) = (1, GENESIS.to_owned());
    loop {
        let mut query = audit_log::table
            .select((
                audit_log::id,
                audit_log::at,
                audit_log::actor,
                audit_log::action,
                audit_log::case_code,
                audit_log::detail,
                audit_log::prev_hash,
                audit_log::hash,
                audit_log::chain,
                audit_log::seq,
                audit_log::checkpoint,
            ))
            .order((audit_log::chain.asc(), audit_log::seq.asc()))
            .limit(PAGE)
            .into_boxed();
        if let Some(chain) = &current {
            query = query.filter(
                audit_log::chain.gt(chain.clone()).or(audit_log::chain
                    .eq(chain.clone())
                    .and(audit_log::seq.ge(expected_seq))),
            );
        }
        let page: Vec<Row> = query.load(conn)?;
        if page.is_empty() {
            return Ok(());
        }
        for (id, at, actor, action, case_code, detail, prev_hash, hash, chain, seq, checkpoint) in page {
            v.entries += 1;
            if checkpoint.is_none() {
                v.unsealed += 1;
            }
            if current.as_deref() != Some(chain.as_str()) {
                v.chains += 1;
                current = Some(chain.clone());
                expected_seq = 1;
                expected_prev = GENESIS.to_owned();
            }
            let e = AuditEntry {
                at,
                actor: &actor,
                action: &action,
                case_code: case_code.as_deref(),
                detail: detail.as_deref(),
            };
            let recomputed = if chain == LEGACY {
                legacy_hash(&prev_hash, &e)
            } else {
                entry_hash(&chain, seq, &prev_hash, &e)
            };
            if seq != expected_seq || prev_hash != expected_prev || recomputed != hash {
                v.broken_entry(id);
            }
            // Go on from what is there: one removed entry breaks its chain once, not for good.
            expected_seq = seq + 1;
            expected_prev = hash;
        }
    }
}

fn verify_checkpoints(conn: &mut DbConn, v: &mut Verification) -> QueryResult<()> {
    let (mut expected_id, mut expected_prev) = (1, GENESIS.to_owned());
    loop {
        let page: Vec<CheckpointRow> = audit_checkpoints::table
            .filter(audit_checkpoints::id.ge(expected_id))
            .order(audit_checkpoints::id.asc())
            .limit(PAGE)
            .load(conn)?;
        if page.is_empty() {
            break;
        }
        for (id, sealed_at, first, last, entries, prev_hash, hash) in page {
            v.checkpoints += 1;
            let digest = checkpoint_digest(conn, id, &prev_hash, sealed_at)?;
            let fine = id == expected_id
                && prev_hash == expected_prev
                && digest.hash == hash
                && digest.entries == entries
                && digest.first == Some(first)
                && digest.last == Some(last);
            if !fine && v.broken_checkpoint.is_none() {
                v.broken_checkpoint = Some(id);
            }
            expected_id = id + 1;
            expected_prev = hash;
        }
    }
    // An entry marked with a checkpoint that was never committed was marked by hand.
    let orphan: Option<i64> = audit_log::table
        .filter(
            audit_log::checkpoint
                .ge(expected_id)
                .or(audit_log::checkpoint.lt(1)),
        )
        .select(diesel::dsl::min(audit_log::id))
        .first(conn)?;
    if let Some(id) = orphan {
        v.broken_entry(id);
    }
    Ok(())
}
