//! The cases of a matter (issue #16): a lead case and the cases linked to it, and the earlier
//! cases of the same reporter (found through the contact's blind index, never the contact).

use diesel::prelude::*;

use super::schema::submissions;
use super::submissions::SubmissionRow;
use super::DbConn;

pub fn find_by_id(conn: &mut DbConn, id: i64) -> QueryResult<Option<SubmissionRow>> {
    submissions::table
        .find(id)
        .select(SubmissionRow::as_select())
        .first(conn)
        .optional()
}

/// The cases `ids`, in no particular order.
pub fn rows(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<SubmissionRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    submissions::table
        .filter(submissions::id.eq_any(ids))
        .select(SubmissionRow::as_select())
        .load(conn)
}

/// The cases linked to `lead`, oldest first.
pub fn followers(conn: &mut DbConn, lead: i64) -> QueryResult<Vec<SubmissionRow>> {
    submissions::table
        .filter(submissions::lead_id.eq(lead))
        .order(submissions::id.asc())
        .select(SubmissionRow::as_select())
        .load(conn)
}

/// How many cases follow each of `leads`.
pub fn follower_counts(conn: &mut DbConn, leads: &[i64]) -> QueryResult<Vec<(i64, i64)>> {
    if leads.is_empty() {
        return Ok(Vec::new());
    }
    submissions::table
        .filter(submissions::lead_id.eq_any(leads))
        .group_by(submissions::lead_id)
        .select((submissions::lead_id.assume_not_null(), diesel::dsl::count_star()))
        .load(conn)
}

/// The other cases from the same contact (its blind index) received on or after `since_day`,
/// of reports only or of other kinds only (`reports`), newest first, at most `limit`, and how
/// many there are in all.
pub fn same_reporter(
    conn: &mut DbConn,
    contact_index: &str,
    reports: bool,
    since_day: i32,
    exclude: i64,
    limit: i64,
) -> QueryResult<(Vec<SubmissionRow>, i64)> {
    let scope = || {
        let q = submissions::table
            .filter(submissions::contact_index.eq(contact_index))
            .filter(submissions::received_day.ge(since_day))
            .filter(submissions::id.ne(exclude))
            .into_boxed();
        if reports {
            q.filter(submissions::kind.eq("report"))
        } else {
            q.filter(submissions::kind.ne("report"))
        }
    };
    let total = scope().count().get_result(conn)?;
    let listed = scope()
        .order(submissions::id.desc())
        .limit(limit)
        .select(SubmissionRow::as_select())
        .load(conn)?;
    Ok((listed, total))
}

/// A case's sealed identity, for re-indexing its contact.
#[derive(Debug, Clone, Queryable)]
pub struct Sealed {
    pub id: i64,
    pub tracking_code: String,
    pub reporter_sealed: Option<Vec<u8>>,
    pub contact_index: Option<String>,
}

/// The cases after `after` (by id) that hold a sealed identity, at most `limit`, oldest first.
pub fn sealed_identities(conn: &mut DbConn, after: i64, limit: i64) -> QueryResult<Vec<Sealed>> {
    submissions::table
        .filter(submissions::id.gt(after))
        .filter(submissions::reporter_sealed.is_not_null())
        .order(submissions::id.asc())
        .limit(limit)
        .select((
            submissions::id,
            submissions::tracking_code,
            submissions::reporter_sealed,
            submissions::contact_index,
        ))
        .load(conn)
}

/// Sets a case's contact index (no figure depends on it).
pub fn set_contact_index(conn: &mut DbConn, id: i64, index: Option<&str>) -> QueryResult<()> {
    diesel::update(submissions::table.find(id))
        .set(submissions::contact_index.eq(index))
        .execute(conn)
        .map(|_| ())
}
