//! Staff accounts and their API tokens.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{api_tokens, users};
use super::DbConn;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub password_hash: String,
    pub unit: String,
    pub role: String,
    pub disabled: bool,
    pub created_at: NaiveDateTime,
    pub email: Option<String>,
}

pub fn insert_user(
    conn: &mut DbConn,
    username: &str,
    password_hash: &str,
    unit: &str,
    role: &str,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values((
            users::username.eq(username),
            users::password_hash.eq(password_hash),
            users::unit.eq(unit),
            users::role.eq(role),
            users::disabled.eq(false),
            users::created_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

pub fn find_user(conn: &mut DbConn, username: &str) -> QueryResult<Option<UserRow>> {
    users::table
        .filter(users::username.eq(username))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// Returns false when there is no such user.
pub fn set_disabled(conn: &mut DbConn, username: &str, disabled: bool) -> QueryResult<bool> {
    diesel::update(users::table.filter(users::username.eq(username)))
        .set(users::disabled.eq(disabled))
        .execute(conn)
        .map(|n| n == 1)
}

/// Returns false when there is no such user.
pub fn set_password_hash(conn: &mut DbConn, username: &str, hash: &str) -> QueryResult<bool> {
    diesel::update(users::table.filter(users::username.eq(username)))
        .set(users::password_hash.eq(hash))
        .execute(conn)
        .map(|n| n == 1)
}

/// Returns false when there is no such user.
pub fn set_email(conn: &mut DbConn, username: &str, email: Option<&str>) -> QueryResult<bool> {
    diesel::update(users::table.filter(users::username.eq(username)))
        .set(users::email.eq(email))
        .execute(conn)
        .map(|n| n == 1)
}

/// The addresses of the active supervisors of `unit` who gave one.
pub fn supervisor_emails(conn: &mut DbConn, unit: &str) -> QueryResult<Vec<String>> {
    let found: Vec<Option<String>> = users::table
        .filter(users::unit.eq(unit))
        .filter(users::role.eq("supervisor"))
        .filter(users::disabled.eq(false))
        .filter(users::email.is_not_null())
        .select(users::email)
        .order(users::id.asc())
        .load(conn)?;
    Ok(found.into_iter().flatten().collect())
}

pub fn count_with_role(conn: &mut DbConn, role: &str) -> QueryResult<i64> {
    users::table.filter(users::role.eq(role)).count().get_result(conn)
}

pub fn insert_token(conn: &mut DbConn, user_id: i64, token_hash: &str, at: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::user_id.eq(user_id),
            api_tokens::token_hash.eq(token_hash),
            api_tokens::created_at.eq(at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// The (enabled or not) user a token hash belongs to.
pub fn user_for_token(conn: &mut DbConn, token_hash: &str) -> QueryResult<Option<UserRow>> {
    api_tokens::table
        .inner_join(users::table)
        .filter(api_tokens::token_hash.eq(token_hash))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}
