//! The mail worker: claims due outbox rows with a lease, renders and sends each outside any
//! transaction, then marks it sent — or schedules a retry with capped exponential backoff, or,
//! after `max_attempts` or a permanent rejection, marks it dead for an admin to look at.
//!
//! No mail goes out twice: a row is sent only by the worker whose conditional claim won, the SMTP
//! timeout is far shorter than the lease, and the outbox id is the Message-ID. (A crash between
//! sending and marking would send that one mail again after the lease; receivers can tell the
//! repeat by its Message-ID.) A shutdown is not such a crash: [`Mailer::stop`] lets the mail in
//! hand be sent and marked, and no further one start.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::{Duration, NaiveDateTime, Utc};
use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::Message;

use super::compose::{self, Links, MailData, MailKind};
use super::transport::{SendError, Transport};
use crate::config::{MailSettings, Settings};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::mail::rating_link::{self as token, RatingClaim};
use crate::storage::outbox::{self, OutboxRow};
use crate::storage::Db;
use crate::vault::Vault;

pub struct Mailer {
    transport: Transport,
    settings: MailSettings,
    from: Mailbox,
    /// The right-hand side of Message-IDs.
    domain: String,
    vault: Arc<Vault>,
    /// This worker's name on the leases it takes.
    owner: String,
    /// Held while a flush runs, so [`Mailer::stop`] can wait for the mail in hand.
    busy: tokio::sync::Mutex<()>,
    /// Set by [`Mailer::stop`]: flushes end before their next mail.
    stopping: AtomicBool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FlushReport {
    pub sent: usize,
    pub retried: usize,
    pub dead: usize,
}

impl Mailer {
    pub fn new(settings: &Settings, vault: Arc<Vault>) -> anyhow::Result<Mailer> {
        let from: Mailbox = settings
            .mail
            .from
            .parse()
            .map_err(|e| anyhow::anyhow!("mail.from `{}`: {e}", settings.mail.from))?;
        let domain = from.email.domain().to_owned();
        Ok(Mailer {
            transport: Transport::from_settings(settings)?,
            settings: settings.mail.clone(),
            from,
            domain,
            vault,
            owner: uuid::Uuid::new_v4().simple().to_string(),
            busy: tokio::sync::Mutex::new(()),
            stopping: AtomicBool::new(false),
        })
    }

    pub fn transport(&self) -> &Transport {
        &self.transport
    }

    /// For a shutdown: waits until the mail being sent (if any) is sent and marked, and keeps
    /// every later flush from starting another. Without it a stop between sending a mail and
    /// marking it sent would have the mail sent again, by whichever instance takes it next.
    pub async fn stop(&self) {
        self.stopping.store(true, Ordering::Release);
        drop(self.busy.lock().await);
    }

    /// How long to wait before attempt `attempts + 1`, after `attempts` failed ones.
    pub fn backoff(&self, attempts: i32) -> Duration {
        let base = self.settings.backoff_base_secs.max(1);
        let exp = u32::try_from(attempts.saturating_sub(1).clamp(0, 30)).unwrap_or(30);
        let secs = base
            .saturating_mul(1u64 << exp)
            .min(self.settings.backoff_max_secs.max(base));
        Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX / 1000))
    }

    /// Sends every mail due when the call began, each at most once per call. Returns what
    /// happened. Mail queued meanwhile waits for the next call, so a flush beside a busy server
    /// ends.
    pub async fn flush(&self, db: &Db) -> Result<FlushReport, AppError> {
        let _busy = self.busy.lock().await;
        let mut report = FlushReport::default();
        let mut seen = HashSet::new();
        let batch = i64::from(self.settings.batch.max(1));
        let now = Utc::now().naive_utc();
        loop {
            let rows = db
                .read(move |conn| Ok::<_, AppError>(outbox::due(conn, now, batch)?))
                .await?;
            let fresh: Vec<OutboxRow> = rows.into_iter().filter(|r| seen.insert(r.id)).collect();
            if fresh.is_empty() {
                return Ok(report);
            }
            for row in fresh {
                if self.stopping.load(Ordering::Acquire) {
                    return Ok(report);
                }
                self.deliver(db, row, &mut report).await?;
            }
        }
    }

    async fn deliver(&self, db: &Db, row: OutboxRow, report: &mut FlushReport) -> Result<(), AppError> {
        let now = Utc::now().naive_utc();
        let until = now + Duration::seconds(i64::try_from(self.settings.lease_secs.max(1)).unwrap_or(120));
        let (id, owner) = (row.id, self.owner.clone());
        let won = db
            .write(move |conn| Ok::<_, AppError>(outbox::claim(conn, id, &owner, now, until)?))
            .await?;
        if !won {
            return Ok(());
        }
        let attempts = row.attempts + 1;
        let result = match self.message(&row) {
            Ok((message, to)) => self.transport.send(message).await.map_err(|mut e| {
                // A refusal often quotes the address; a citizen's must not reach the log or the
                // admin page.
                if row.audience == "citizen" {
                    e.message = e.message.replace(&to, "[citizen]");
                }
                e
            }),
            Err(e) => Err(e),
        };
        let owner = self.owner.clone();
        match result {
            Ok(()) => {
                let at = Utc::now().naive_utc();
                db.write(move |conn| Ok::<_, AppError>(outbox::mark_sent(conn, id, &owner, at)?))
                    .await?;
                report.sent += 1;
                tracing::info!(mail = id, template = %row.template, "mail sent");
            }
            Err(e) => {
                let give_up =
                    e.permanent || attempts >= i32::try_from(self.settings.max_attempts).unwrap_or(1);
                let retry_at: Option<NaiveDateTime> =
                    (!give_up).then(|| Utc::now().naive_utc() + self.backoff(attempts));
                let message = e.message.clone();
                db.write(move |conn| {
                    Ok::<_, AppError>(outbox::mark_failed(conn, id, &owner, &message, retry_at)?)
                })
                .await?;
                if give_up {
                    report.dead += 1;
                    tracing::error!(mail = id, template = %row.template, attempts, error = %e.message, "mail is dead");
                } else {
                    report.retried += 1;
                    tracing::warn!(mail = id, template = %row.template, attempts, error = %e.message, "mail not sent; will retry");
                }
            }
        }
        Ok(())
    }

    /// The message for an outbox row, and the address it goes to. A row that cannot become a
    /// message fails permanently.
    pub fn message(&self, row: &OutboxRow) -> Result<(Message, String), SendError> {
        let permanent = |message: String| SendError {
            permanent: true,
            message,
        };
        let kind = MailKind::from_name(&row.template)
            .ok_or_else(|| permanent(format!("unknown template `{}`", row.template)))?;
        let data: MailData =
            serde_json::from_str(&row.payload).map_err(|e| permanent(format!("payload: {e}")))?;
        let lang = Lang::parse(&row.lang).unwrap_or_default();
        let address = match (row.audience.as_str(), &row.recipient_sealed, &row.case_code) {
            ("citizen", Some(sealed), Some(code)) => {
                let plain = self
                    .vault
                    .open(sealed, &outbox::citizen_context(code))
                    .map_err(|e| permanent(e.to_string()))?;
                String::from_utf8(plain).map_err(|_| permanent("sealed address is not text".into()))?
            }
            ("citizen", _, _) => return Err(permanent("the citizen's address is gone".into())),
            _ => row.recipient.clone(),
        };
        let to: Mailbox = address
            .parse()
            .map_err(|e| permanent(format!("recipient address: {e}")))?;
        let to_text = to.email.to_string();
        let rendered = compose::render(kind, lang, &data, &self.links(&data, lang))
            .map_err(|e| permanent(format!("template: {e}")))?;
        Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(rendered.subject)
            .message_id(Some(format!("<outbox-{}@{}>", row.id, self.domain)))
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(rendered.text),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(rendered.html),
                    ),
            )
            .map(|m| (m, to_text))
            .map_err(|e| permanent(format!("building the message: {e}")))
    }

    fn links(&self, data: &MailData, lang: Lang) -> Links {
        let base = self.settings.public_url.trim_end_matches('/');
        let rating = if data.rating_until > 0 {
            let t = token::sign(
                &self.vault,
                &RatingClaim {
                    tracking_code: data.tracking_code.clone(),
                    round: data.round,
                    until: data.rating_until,
                },
            );
            format!("{base}/rate/{t}?lang={}", lang.code())
        } else {
            String::new()
        };
        Links {
            status: format!("{base}/track?lang={}", lang.code()),
            rating,
            case: format!("{base}/handler/cases/{}", data.tracking_code),
        }
    }
}
