//! Where mail goes, by configuration: `file` (one `.eml` per mail under `data_dir/mail/`, the
//! default for trying the service out), `smtp` (a real mail server; the only transport
//! `production` accepts) or `stub` (kept in memory, for tests). All three are lettre's.

use std::time::Duration;

use anyhow::{bail, Context};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::stub::AsyncStubTransport;
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::config::{MailTransportKind, Settings, SmtpSecurity};

pub enum Transport {
    File(AsyncFileTransport<Tokio1Executor>),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Stub(AsyncStubTransport),
}

/// Why a mail was not sent. A permanent failure (the server answered 5xx) is not retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendError {
    pub permanent: bool,
    pub message: String,
}

impl Transport {
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Transport> {
        let mail = &settings.mail;
        if settings.is_production() && mail.transport != MailTransportKind::Smtp {
            bail!("production sends mail only through SMTP: set mail.transport = \"smtp\"");
        }
        Ok(match mail.transport {
            MailTransportKind::File => {
                let dir = settings.data_dir.join("mail");
                std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
                Transport::File(AsyncFileTransport::new(dir))
            }
            MailTransportKind::Stub => Transport::Stub(AsyncStubTransport::new_ok()),
            MailTransportKind::Smtp => {
                let host = mail.smtp_host.trim();
                if host.is_empty() {
                    bail!("mail.smtp_host is empty");
                }
                if settings.is_production() && mail.smtp_security == SmtpSecurity::None {
                    bail!(
                        "production refuses an unencrypted SMTP connection (mail.smtp_security = \"none\")"
                    );
                }
                let tls = || TlsParameters::new(host.to_owned()).context("TLS settings for the mail server");
                let security = match mail.smtp_security {
                    SmtpSecurity::Starttls => Tls::Required(tls()?),
                    SmtpSecurity::Tls => Tls::Wrapper(tls()?),
                    SmtpSecurity::None => Tls::None,
                };
                let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                    .port(mail.smtp_port)
                    .tls(security)
                    .timeout(Some(Duration::from_secs(mail.smtp_timeout_secs.max(1))));
                let password = mail.smtp_password.expose_secret();
                if !mail.smtp_username.is_empty() || !password.is_empty() {
                    builder = builder
                        .credentials(Credentials::new(mail.smtp_username.clone(), password.to_owned()));
                }
                Transport::Smtp(builder.build())
            }
        })
    }

    pub async fn send(&self, message: Message) -> Result<(), SendError> {
        match self {
            Transport::File(t) => t.send(message).await.map(|_| ()).map_err(|e| SendError {
                permanent: false,
                message: e.to_string(),
            }),
            Transport::Smtp(t) => t.send(message).await.map(|_| ()).map_err(|e| SendError {
                permanent: e.is_permanent(),
                message: e.to_string(),
            }),
            Transport::Stub(t) => t.send(message).await.map(|_| ()).map_err(|e| SendError {
                permanent: false,
                message: e.to_string(),
            }),
        }
    }

    /// What the stub transport has "sent" (raw messages); empty for the others.
    pub async fn stubbed(&self) -> Vec<String> {
        match self {
            Transport::Stub(t) => t.messages().await.into_iter().map(|(_, raw)| raw).collect(),
            _ => Vec::new(),
        }
    }
}
