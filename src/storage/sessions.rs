//! Staff sessions: one row per signed-in browser, found by the SHA-256 of the session id its
//! cookie holds. Deleting a row ends that session.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::accounts::UserRow;
use super::schema::{staff_sessions as s, users};
use super::DbConn;

/// A session and the (enabled or not) user it belongs to.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: i64,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    pub user: UserRow,
}

pub fn insert(conn: &mut DbConn, id_hash: &str, user_id: i64, at: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(s::table)
        .values((
            s::id_hash.eq(id_hash),
            s::user_id.eq(user_id),
            s::created_at.eq(at),
            s::last_seen_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The session whose id hashes to `id_hash`, with its user.
pub fn find(conn: &mut DbConn, id_hash: &str) -> QueryResult<Option<SessionRow>> {
    s::table
        .inner_join(users::table)
        .filter(s::id_hash.eq(id_hash))
        .select((s::id, s::created_at, s::last_seen_at, UserRow::as_select()))
        .first::<(i64, NaiveDateTime, NaiveDateTime, UserRow)>(conn)
        .optional()
        .map(|row| {
            row.map(|(id, created_at, last_seen_at, user)| SessionRow {
                id,
                created_at,
                last_seen_at,
                user,
            })
        })
}

/// Records a request in session `id` at `at`.
pub fn touch(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<()> {
    diesel::update(s::table.filter(s::id.eq(id)))
        .set(s::last_seen_at.eq(at))
        .execute(conn)
        .map(|_| ())
}

/// Ends the session whose id hashes to `id_hash`; false when there was none.
pub fn delete(conn: &mut DbConn, id_hash: &str) -> QueryResult<bool> {
    diesel::delete(s::table.filter(s::id_hash.eq(id_hash)))
        .execute(conn)
        .map(|n| n > 0)
}

/// Ends every session of user `user_id`; returns how many there were.
pub fn delete_for_user(conn: &mut DbConn, user_id: i64) -> QueryResult<usize> {
    diesel::delete(s::table.filter(s::user_id.eq(user_id))).execute(conn)
}

/// How many sessions user `user_id` has (ended or expired ones are gone or pruned).
pub fn count_for_user(conn: &mut DbConn, user_id: i64) -> QueryResult<i64> {
    s::table.filter(s::user_id.eq(user_id)).count().get_result(conn)
}

/// Forgets sessions idle since before `idle_before` or begun before `begun_before`.
pub fn prune(
    conn: &mut DbConn,
    idle_before: NaiveDateTime,
    begun_before: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::delete(s::table.filter(s::last_seen_at.lt(idle_before).or(s::created_at.lt(begun_before))))
        .execute(conn)
}

/// Every user with how many live sessions they have (begun after `begun_after`, used after
/// `seen_after`), by username.
pub fn users_with_sessions(
    conn: &mut DbConn,
    begun_after: NaiveDateTime,
    seen_after: NaiveDateTime,
) -> QueryResult<Vec<(UserRow, i64)>> {
    let all: Vec<UserRow> = users::table
        .select(UserRow::as_select())
        .order(users::username.asc())
        .load(conn)?;
    let live: Vec<(i64, i64)> = s::table
        .filter(s::created_at.gt(begun_after))
        .filter(s::last_seen_at.gt(seen_after))
        .group_by(s::user_id)
        .select((s::user_id, diesel::dsl::count_star()))
        .load(conn)?;
    let live: std::collections::HashMap<i64, i64> = live.into_iter().collect();
    Ok(all
        .into_iter()
        .map(|u| {
            let n = live.get(&u.id).copied().unwrap_or(0);
            (u, n)
        })
        .collect())
}
