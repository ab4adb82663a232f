//! Idempotency keys: the first request with a key claims it (an insert that only one transaction
//! can make; on PostgreSQL a concurrent one waits for the first to commit), stores its answer, and
//! every retry reads that answer back.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::idempotency_keys as k;
use super::DbConn;
use crate::on_each_backend;

/// Claims `(scope, key)` for this transaction. False when a committed request already holds it.
pub fn claim(
    conn: &mut DbConn,
    scope: &str,
    key: &str,
    request_hash: &str,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    let insert = diesel::insert_into(k::table)
        .values((
            k::scope.eq(scope),
            k::idem_key.eq(key),
            k::request_hash.eq(request_hash),
            k::created_at.eq(at),
        ))
        .on_conflict((k::scope, k::idem_key))
        .do_nothing();
    on_each_backend!(conn, |c| insert.execute(c)).map(|n| n == 1)
}

/// The request hash and the sealed answer stored under `(scope, key)`.
pub fn find(conn: &mut DbConn, scope: &str, key: &str) -> QueryResult<Option<(String, Option<Vec<u8>>)>> {
    k::table
        .filter(k::scope.eq(scope))
        .filter(k::idem_key.eq(key))
        .select((k::request_hash, k::response_sealed))
        .first(conn)
        .optional()
}

/// Stores the answer to replay.
pub fn complete(conn: &mut DbConn, scope: &str, key: &str, sealed: &[u8]) -> QueryResult<()> {
    diesel::update(k::table.filter(k::scope.eq(scope)).filter(k::idem_key.eq(key)))
        .set(k::response_sealed.eq(sealed))
        .execute(conn)
        .map(|_| ())
}

/// Forgets keys claimed before `before`.
pub fn prune(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(k::table.filter(k::created_at.lt(before))).execute(conn)
}
