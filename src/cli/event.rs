//! `event`: open days (开放日) — add one, list them with their figures.

use clap::Subcommand;

use super::common::{moment, with_db};
use crate::config::Settings;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::services::open_days::{self, EventInput};

#[derive(Subcommand)]
pub(super) enum EventCommand {
    /// Add an open day; prints its id.
    Add {
        /// The host unit's code, e.g. 370983-police.
        #[arg(long)]
        host: String,
        #[arg(long)]
        title: String,
        #[arg(long)]
        place: String,
        /// RFC 3339, or `YYYY-MM-DD HH:MM` in Beijing time.
        #[arg(long)]
        starts: String,
        #[arg(long)]
        ends: String,
    },
    /// List open days with their figures.
    List,
}

pub(super) async fn run(settings: &Settings, cmd: EventCommand) -> anyhow::Result<()> {
    let (db, catalog) = with_db(settings).await?;
    match cmd {
        EventCommand::Add {
            host,
            title,
            place,
            starts,
            ends,
        } => {
            let input = EventInput {
                host_unit: host,
                title,
                place,
                starts_at: Some(moment(&starts)?),
                ends_at: Some(moment(&ends)?),
            };
            let id = open_days::add_event(&db, &catalog, &input)
                .await
                .map_err(field_errors_in_english)?;
            println!("{id}");
        }
        EventCommand::List => {
            let rows = open_days::list_events(&db).await?;
            let mut stats = Vec::new();
            for e in &rows {
                stats.push(open_days::stats(&db, e.id).await?);
            }
            for s in stats {
                println!(
                    "{}\t{}\t{}\t{}\t{}\tvisitors {}\tsubmissions {}\tanswered {}",
                    s.id,
                    s.public_id,
                    s.host_unit,
                    s.title,
                    s.starts_at,
                    s.visitors,
                    s.submissions,
                    s.answered
                );
            }
        }
    }
    Ok(())
}

/// A refused event names each field and what is wrong with it, in English.
fn field_errors_in_english(e: AppError) -> anyhow::Error {
    match e {
        AppError::Invalid(errors) => anyhow::anyhow!(
            "{}",
            errors
                .messages(Lang::En)
                .into_iter()
                .map(|(f, m)| format!("{f}: {}", m.join(" ")))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        other => other.into(),
    }
}
