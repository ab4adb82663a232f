//! The transactional outbox: each mail is a row written in the same transaction as the change
//! that causes it. (Sending it is the mail worker's job.)

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::outbox;
use super::DbConn;

pub struct NewMail<'a> {
    pub template: &'a str,
    pub recipient: &'a str,
    pub case_code: Option<&'a str>,
    pub payload: &'a serde_json::Value,
    pub lang: &'a str,
    pub at: NaiveDateTime,
}

pub fn enqueue(conn: &mut DbConn, mail: &NewMail<'_>) -> QueryResult<()> {
    diesel::insert_into(outbox::table)
        .values((
            outbox::template.eq(mail.template),
            outbox::recipient.eq(mail.recipient),
            outbox::case_code.eq(mail.case_code),
            outbox::payload.eq(mail.payload.to_string()),
            outbox::lang.eq(mail.lang),
            outbox::status.eq("pending"),
            outbox::attempts.eq(0),
            outbox::created_at.eq(mail.at),
            outbox::next_attempt_at.eq(mail.at),
        ))
        .execute(conn)
        .map(|_| ())
}

/// (template, recipient, case code) of every row, oldest first: for tests and the admin view.
pub fn list(conn: &mut DbConn) -> QueryResult<Vec<(String, String, Option<String>)>> {
    outbox::table
        .select((outbox::template, outbox::recipient, outbox::case_code))
        .order(outbox::id.asc())
        .load(conn)
}
