//! The similarity index (issue #16): each case's MinHash signature (`case_fingerprints`) and its
//! LSH band keys mixed with its area (`case_bands`), written by the indexing job after intake,
//! and the candidate look-up over them. What the values mean is [`crate::domain::similarity`]
//! and [`crate::domain::matter`]; this module only stores and finds them.

use chrono::NaiveDateTime;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};
use diesel::{QueryResult, QueryableByName};

use super::sql::{Sql, Value};
use super::DbConn;

/// How far below the newest indexed case the job looks again for cases it has not indexed: on
/// PostgreSQL a case may commit after a later one (ids are taken before commit), and the job
/// must not step over it.
pub const LOOKBACK: i64 = 5_000;

/// A case whose text waits to be indexed (or indexed again by a newer algorithm).
#[derive(Debug, Clone, QueryableByName)]
pub struct Pending {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Nullable<Text>)]
    pub title: Option<String>,
    #[diesel(sql_type = Text)]
    pub body: String,
    #[diesel(sql_type = Text)]
    pub region: String,
    #[diesel(sql_type = Integer)]
    pub received_day: i32,
    /// The version it was indexed with before, if any.
    #[diesel(sql_type = Nullable<Integer>)]
    pub version: Option<i32>,
}

#[derive(QueryableByName)]
struct Number {
    #[diesel(sql_type = Nullable<BigInt>)]
    n: Option<i64>,
}

fn number(conn: &mut DbConn, sql: &Sql) -> QueryResult<Option<i64>> {
    Ok(sql.load::<Number>(conn)?.first().and_then(|r| r.n))
}

/// The next cases to index for `version`, oldest first, at most `limit`: those above the newest
/// case indexed with it (less [`LOOKBACK`]) that have no fingerprint of it.
pub fn pending(conn: &mut DbConn, version: i32, limit: i64) -> QueryResult<Vec<Pending>> {
    let mut newest = Sql::new("SELECT MAX(submission_id) AS n FROM case_fingerprints WHERE version = ");
    newest.bind(Value::Int(version));
    let from = number(conn, &newest)?.map_or(0, |n| (n - LOOKBACK).max(0));
    let mut sql = Sql::new(
        "SELECT s.id, s.title, s.body, s.region, s.received_day, f.version FROM submissions s \
         LEFT JOIN case_fingerprints f ON f.submission_id = s.id WHERE s.id > ",
    );
    sql.bind(Value::BigInt(from))
        .push(" AND (f.version IS NULL OR f.version <> ")
        .bind(Value::Int(version))
        .push(") ORDER BY s.id LIMIT ")
        .bind(Value::BigInt(limit));
    sql.load(conn)
}

/// How many cases there are, and how many are indexed with `version`.
pub fn progress(conn: &mut DbConn, version: i32) -> QueryResult<(i64, i64)> {
    let total = number(conn, &Sql::new("SELECT COUNT(*) AS n FROM submissions"))?.unwrap_or(0);
    let mut done = Sql::new("SELECT COUNT(*) AS n FROM case_fingerprints WHERE version = ");
    done.bind(Value::Int(version));
    Ok((total, number(conn, &done)?.unwrap_or(0)))
}

/// A case's fingerprint as the job computed it.
#[derive(Debug, Clone)]
pub struct Fingerprint {
    pub id: i64,
    pub received_day: i32,
    /// The signature's bytes; empty for a text with nothing to compare (it gets no keys).
    pub signature: Vec<u8>,
    /// The band keys, mixed with the case's area; none for a case received before the window
    /// (look-ups never read them, and housekeeping would remove them).
    pub keys: Vec<i64>,
}

/// Fingerprint rows per upsert (4 values each).
const FINGERPRINT_ROWS: usize = 1_000;
/// Band rows per insert: 3 values each, within SQLite's 32,766 bound values.
const BAND_ROWS: usize = 10_000;

#[derive(QueryableByName)]
struct Stored {
    #[diesel(sql_type = BigInt)]
    submission_id: i64,
}

/// Stores fingerprints computed with `version`; the number stored. A case another instance
/// indexed with this version meanwhile is left as it is, so two jobs never double its keys.
/// A few statements per batch: one multi-row upsert per [`FINGERPRINT_ROWS`] returning the
/// cases it wrote, the old keys of re-indexed cases in one delete, and the new keys of the
/// cases written as multi-row inserts of [`BAND_ROWS`].
pub fn store(
    conn: &mut DbConn,
    version: i32,
    at: NaiveDateTime,
    prints: &[Fingerprint],
) -> QueryResult<usize> {
    let mut written = std::collections::HashSet::new();
    for chunk in prints.chunks(FINGERPRINT_ROWS) {
        let mut upsert =
            Sql::new("INSERT INTO case_fingerprints (submission_id, version, signature, indexed_at) VALUES ");
        for (i, p) in chunk.iter().enumerate() {
            upsert.push(if i == 0 { "(" } else { ", (" });
            upsert
                .bind(Value::BigInt(p.id))
                .push(", ")
                .bind(Value::Int(version))
                .push(", ")
                .bind(Value::Bytes(p.signature.clone()))
                .push(", ")
                .bind(Value::Time(at))
                .push(")");
        }
        upsert.push(
            " ON CONFLICT (submission_id) DO UPDATE SET version = excluded.version, \
             signature = excluded.signature, indexed_at = excluded.indexed_at \
             WHERE case_fingerprints.version <> excluded.version RETURNING submission_id",
        );
        written.extend(upsert.load::<Stored>(conn)?.into_iter().map(|r| r.submission_id));
    }
    let stored: Vec<&Fingerprint> = prints.iter().filter(|p| written.contains(&p.id)).collect();
    // Keys of an older version stay: they carry the version, match no look-up and age out with
    // the window, so nothing is deleted case by case.
    let rows: Vec<(i64, i32, i64)> = stored
        .iter()
        .flat_map(|p| p.keys.iter().map(move |k| (*k, p.received_day, p.id)))
        .collect();
    for chunk in rows.chunks(BAND_ROWS) {
        let mut insert = Sql::new("INSERT INTO case_bands (key, day, submission_id) VALUES ");
        for (i, (key, day, id)) in chunk.iter().enumerate() {
            insert.push(if i == 0 { "(" } else { ", (" });
            insert
                .bind(Value::BigInt(*key))
                .push(", ")
                .bind(Value::Int(*day))
                .push(", ")
                .bind(Value::BigInt(*id))
                .push(")");
        }
        // The same key twice in one case (two bands agreeing) is stored once.
        insert.push(" ON CONFLICT DO NOTHING");
        insert.execute(conn)?;
    }
    Ok(stored.len())
}

/// A case sharing band keys with the one looked up, and how many.
#[derive(Debug, Clone, QueryableByName)]
pub struct Candidate {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = BigInt)]
    pub hits: i64,
}

/// The cases received on or after `since_day` sharing any of `keys`, other than `exclude`,
/// those sharing most first, at most `limit`. Each key counts only the `per_key` cases nearest
/// in time to `around_day` (the day of the case looked up): half received before it, half on
/// it or after. A key that many cases share (a gram common to many texts of the area being
/// the least of its permutation) is weak evidence, and reading all of them made a look-up's
/// work grow with the area's cases; now it is at most `keys × per_key` index entries, read
/// from the (key, day, submission_id) index alone, the keys' ranges in one statement.
pub fn candidates(
    conn: &mut DbConn,
    keys: &[i64],
    since_day: i32,
    around_day: i32,
    exclude: i64,
    per_key: i64,
    limit: i64,
) -> QueryResult<Vec<Candidate>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let half = (per_key / 2).max(1);
    let around = around_day.max(since_day);
    let mut sql = Sql::new("SELECT submission_id AS id, COUNT(*) AS hits FROM ");
    if let DbConn::Postgres(_) = conn {
        // The keys as a VALUES list, each key's two ranges by LATERAL: a statement PostgreSQL
        // plans in well under a millisecond (128 subqueries took it 30 ms to plan).
        sql.push("(VALUES ");
        for (i, key) in keys.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .bind(Value::BigInt(*key))
                .push(")");
        }
        sql.push(") AS k (key) CROSS JOIN LATERAL ((SELECT b.submission_id FROM case_bands b WHERE b.key = k.key AND b.day >= ")
            .bind(Value::Int(since_day))
            .push(" AND b.day < ")
            .bind(Value::Int(around))
            .push(" ORDER BY b.day DESC LIMIT ")
            .bind(Value::BigInt(half))
            .push(") UNION ALL (SELECT b.submission_id FROM case_bands b WHERE b.key = k.key AND b.day >= ")
            .bind(Value::Int(around))
            .push(" ORDER BY b.day LIMIT ")
            .bind(Value::BigInt(half))
            .push(")) AS found");
    } else {
        // Each key's two ranges a subquery of a UNION ALL (SQLite has no LATERAL).
        sql.push("(");
        let mut branch = 0;
        for key in keys {
            // Before the day (newest first), then from the day on (oldest first).
            for (range, order) in [
                (" AND day < ", " ORDER BY day DESC"),
                (" AND day >= ", " ORDER BY day"),
            ] {
                if branch > 0 {
                    sql.push(" UNION ALL ");
                }
                sql.push("SELECT submission_id FROM (SELECT submission_id FROM case_bands WHERE key = ")
                    .bind(Value::BigInt(*key))
                    .push(" AND day >= ")
                    .bind(Value::Int(since_day))
                    .push(range)
                    .bind(Value::Int(around))
                    .push(order)
                    .push(" LIMIT ")
                    .bind(Value::BigInt(half))
                    .push(&format!(") AS b{branch}"));
                branch += 1;
            }
        }
        sql.push(") AS found");
    }
    sql.push(" WHERE submission_id <> ")
        .bind(Value::BigInt(exclude))
        .push(" GROUP BY submission_id ORDER BY hits DESC, id DESC LIMIT ")
        .bind(Value::BigInt(limit));
    sql.load(conn)
}

/// Removes the keys of cases received before `day`: look-ups never read them.
pub fn prune(conn: &mut DbConn, before_day: i32) -> QueryResult<usize> {
    let mut sql = Sql::new("DELETE FROM case_bands WHERE day < ");
    sql.bind(Value::Int(before_day));
    sql.execute(conn)
}
