//! The per-contact daily quota: a counter row per (contact's blind index, Beijing day), kept in
//! the database so that it holds across instances.

use diesel::prelude::*;

use super::schema::contact_quota;
use super::DbConn;
use crate::on_each_backend;

/// Takes one unit of a contact's quota for `day`. Returns false, changing nothing, when the
/// contact has already used `limit`. The row update locks the counter, so concurrent
/// transactions (and instances) count one after another.
pub fn take(conn: &mut DbConn, index: &str, day: &str, limit: i32) -> QueryResult<bool> {
    let ensure_row = diesel::insert_into(contact_quota::table)
        .values((
            contact_quota::contact_index.eq(index),
            contact_quota::day.eq(day),
            contact_quota::used.eq(0),
        ))
        .on_conflict((contact_quota::contact_index, contact_quota::day))
        .do_nothing();
    on_each_backend!(conn, |c| ensure_row.execute(c))?;
    let updated = diesel::update(
        contact_quota::table
            .filter(contact_quota::contact_index.eq(index))
            .filter(contact_quota::day.eq(day))
            .filter(contact_quota::used.lt(limit)),
    )
    .set(contact_quota::used.eq(contact_quota::used + 1))
    .execute(conn)?;
    Ok(updated == 1)
}

/// Forgets quota rows of days before `day`.
pub fn prune(conn: &mut DbConn, day: &str) -> QueryResult<usize> {
    diesel::delete(contact_quota::table.filter(contact_quota::day.lt(day))).execute(conn)
}
