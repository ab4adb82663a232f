//! The ledger (台账, issue #12): every case the statistics count, one row each, by problem type —
//! the six stubborn problems first — then unit, then day received; as CSV (UTF-8 with a BOM, so
//! Excel reads the Chinese) or as an Excel workbook with a summary sheet of every figure and one
//! sheet per category.
//!
//! Memory stays bounded whatever the size: rows are read in keyset pages of [`PAGE`] cases
//! ([`crate::storage::ledger`]), CSV is written as it is read, and the workbook's sheets are
//! written row by row to temporary files (`rust_xlsxwriter`'s constant-memory mode). All of an
//! export — summary and rows — is read on one snapshot of the database, so its rows and its
//! figures agree even while cases change.
//!
//! The cases are those of the statistics for the same request ([`super::stats::query_for`]):
//! the viewer's reach, the period (cases received in it), the unit holding a case now, and the
//! filters. No column names who reported a case.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;

use chrono::{NaiveDateTime, Timelike};
use tokio::sync::mpsc;

use super::context::Context;
use super::stats::StatsRequest;
use crate::catalog::Catalog;
use crate::domain::calendar::beijing;
use crate::domain::ledger::{
    order_categories, outcome_label, rating_label, state_label, yes_no, Cell, LedgerCells, COLUMNS,
};
use crate::domain::stats::{period, Figures, GroupBy, Period};
use crate::domain::Kind;
use crate::error::AppError;
use crate::storage::connection::read_snapshot;
use crate::storage::ledger::{self as store, After, LedgerRow};
use crate::storage::stats::{self as stats_store, StatsQuery};
use crate::storage::{Db, DbConn};

mod xlsx;

pub use xlsx::write_xlsx;

/// Cases read per query.
pub const PAGE: i64 = 5_000;
/// Bytes handed on at a time to a download.
const CHUNK: usize = 64 * 1024;

/// A ledger's file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerFormat {
    Csv,
    Xlsx,
}

impl LedgerFormat {
    pub fn from_code(code: &str) -> Option<LedgerFormat> {
        match code {
            "csv" => Some(LedgerFormat::Csv),
            "xlsx" => Some(LedgerFormat::Xlsx),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            LedgerFormat::Csv => "csv",
            LedgerFormat::Xlsx => "xlsx",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            LedgerFormat::Csv => "text/csv; charset=utf-8",
            LedgerFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

/// What an export reads: the database and the names of things.
#[derive(Clone)]
pub struct Source {
    pub db: Db,
    pub catalog: Arc<Catalog>,
}

impl Source {
    pub fn of(ctx: &Context) -> Source {
        Source {
            db: ctx.db.clone(),
            catalog: ctx.catalog.clone(),
        }
    }
}

/// What a ledger says about itself on its summary sheet.
#[derive(Debug, Clone)]
pub struct Heading {
    pub period: Period,
    /// Which units and filters, in words.
    pub scope: String,
    /// When it was made (UTC).
    pub made_at: NaiveDateTime,
}

impl Heading {
    /// The heading of a ledger for `req`, narrowed to `q`.
    pub fn new(catalog: &Catalog, req: &StatsRequest, q: &StatsQuery) -> Heading {
        let unit_name = |code: &str| {
            catalog
                .unit(code)
                .map_or_else(|| code.to_owned(), |u| format!("{}（{code}）", u.name))
        };
        let mut scope = match (&req.unit, &q.units) {
            (Some(u), _) if req.below => format!("{} 及下级单位 and the units below it", unit_name(u)),
            (Some(u), _) => unit_name(u),
            (None, None) => "全部单位 All units".to_owned(),
            (None, Some(units)) if units.len() == 1 => unit_name(&units[0]),
            (None, Some(units)) => format!("可见的 {} 个单位 {} units in reach", units.len(), units.len()),
        };
        let filters = [
            ("类型 kind", &req.kind),
            ("类别 category", &req.category),
            ("渠道 channel", &req.channel),
            ("地区 region", &req.region),
        ];
        for (label, value) in filters {
            if let Some(v) = value {
                scope.push_str(&format!("；{label} = {v}"));
            }
        }
        if let Some(e) = req.event {
            scope.push_str(&format!("；开放日 open day = {e}"));
        }
        Heading {
            period: q.period,
            scope,
            made_at: q.now,
        }
    }

    /// `ledger-20261101-20261130.csv`
    pub fn file_name(&self, format: LedgerFormat) -> String {
        let day = |d: i32| period::date_of(d).format("%Y%m%d").to_string();
        format!(
            "ledger-{}-{}.{}",
            day(self.period.from),
            day(self.period.to),
            format.extension()
        )
    }
}

/// Writes the ledger to `out` (the command line): CSV as it is read, or a workbook built with
/// its temporary files beside `out`. Returns the number of cases written.
pub async fn export_file(
    src: Source,
    q: StatsQuery,
    heading: Heading,
    format: LedgerFormat,
    out: PathBuf,
) -> Result<u64, AppError> {
    blocking(move || {
        let mut conn = src.db.get()?;
        match format {
            LedgerFormat::Csv => {
                let file = std::fs::File::create(&out).map_err(internal)?;
                write_csv(&mut conn, &src.catalog, &q, io::BufWriter::new(file))
            }
            LedgerFormat::Xlsx => {
                let dir = match out.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                    _ => PathBuf::from("."),
                };
                write_xlsx(&mut conn, &src.catalog, &q, &heading, &out, &dir)
            }
        }
    })
    .await
}

/// A download being made: chunks of the file, in order. An `Err` ends it unfinished.
pub struct Chunks {
    rx: mpsc::Receiver<Result<Vec<u8>, AppError>>,
}

impl Chunks {
    /// The next chunk; `None` once the file is complete.
    pub async fn next(&mut self) -> Option<Result<Vec<u8>, AppError>> {
        self.rx.recv().await
    }
}

/// The ledger as a download (the dashboard's links), made on a blocking thread while it is
/// sent. CSV is streamed as it is read. A workbook is written to a temporary file under
/// `tempdir` first — a zip cannot be sent before it is finished — then streamed from that file,
/// whose name is gone by then. A download abandoned half-way stops the export.
///
/// An export keeps a database connection (its snapshot) until it is read to the end, so only
/// [`MAX_DOWNLOADS`] run at once in a process; one more is `RateLimited`, not a pool run dry
/// for everyone else.
pub fn download(
    src: Source,
    q: StatsQuery,
    heading: Heading,
    format: LedgerFormat,
    tempdir: PathBuf,
) -> Result<Chunks, AppError> {
    let permit = DOWNLOADS.try_acquire().map_err(|_| {
        src.db
            .metrics()
            .rate_limited(crate::telemetry::metrics::Limiter::LedgerDownloads);
        AppError::RateLimited { retry_after_secs: 10 }
    })?;
    let (tx, rx) = mpsc::channel(4);
    let failed = tx.clone();
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let mut sink = ChannelWriter {
            tx,
            buf: Vec::with_capacity(CHUNK),
        };
        let result = (|| -> Result<u64, AppError> {
            let mut conn = src.db.get()?;
            match format {
                LedgerFormat::Csv => write_csv(&mut conn, &src.catalog, &q, &mut sink),
                LedgerFormat::Xlsx => {
                    std::fs::create_dir_all(&tempdir).map_err(internal)?;
                    let file = tempfile::Builder::new()
                        .prefix("ledger-")
                        .suffix(".xlsx")
                        .tempfile_in(&tempdir)
                        .map_err(internal)?;
                    let rows = write_xlsx(&mut conn, &src.catalog, &q, &heading, file.path(), &tempdir)?;
                    drop(conn);
                    // Read through a handle of its own; the name goes when `file` is dropped.
                    let mut reader = file.reopen().map_err(internal)?;
                    drop(file);
                    let mut chunk = vec![0u8; CHUNK];
                    loop {
                        let n = reader.read(&mut chunk).map_err(internal)?;
                        if n == 0 {
                            break;
                        }
                        sink.write_all(&chunk[..n]).map_err(internal)?;
                    }
                    sink.flush().map_err(internal)?;
                    Ok(rows)
                }
            }
        })();
        match result {
            Ok(rows) => tracing::info!(rows, format = format.extension(), "ledger downloaded"),
            Err(e) => {
                tracing::warn!(error = %e, "ledger download stopped");
                let _ = failed.blocking_send(Err(e));
            }
        }
    });
    Ok(Chunks { rx })
}

/// Ledger downloads made at the same time, at most.
pub const MAX_DOWNLOADS: usize = 2;
static DOWNLOADS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(MAX_DOWNLOADS);

/// Hands what is written on to a download in chunks, waiting while the reader is behind: memory
/// holds a few chunks, never the file. Fails once nobody reads any more.
struct ChannelWriter {
    tx: mpsc::Sender<Result<Vec<u8>, AppError>>,
    buf: Vec<u8>,
}

impl ChannelWriter {
    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK));
        self.tx
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the download was abandoned"))
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

async fn blocking<T, F>(f: F) -> Result<T, AppError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, AppError> + Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| AppError::Internal(anyhow::anyhow!("ledger export task failed: {e}")))?
}

fn internal(e: impl std::error::Error + Send + Sync + 'static) -> AppError {
    AppError::Internal(anyhow::Error::new(e))
}

/// The categories with cases in scope, in ledger order, with how many cases each.
fn categories(conn: &mut DbConn, catalog: &Catalog, q: &StatsQuery) -> Result<Vec<(String, i64)>, AppError> {
    let counts: BTreeMap<String, i64> = store::categories(conn, q)?.into_iter().collect();
    Ok(ordered(catalog, counts.keys().cloned().collect())
        .into_iter()
        .map(|c| {
            let n = counts.get(&c).copied().unwrap_or(0);
            (c, n)
        })
        .collect())
}

fn ordered(catalog: &Catalog, codes: Vec<String>) -> Vec<String> {
    let order: Vec<&str> = catalog.categories.iter().map(|c| c.code.as_str()).collect();
    order_categories(codes, &order)
}

/// Every case of one category, in ledger order, a page at a time. The pages are read on a
/// thread of their own, one page ahead of `f`: reading and writing share the two cores, and
/// memory holds at most three pages. When `f` fails, the reading stops at its next page.
fn each_case(
    conn: &mut DbConn,
    q: &StatsQuery,
    category: &str,
    mut f: impl FnMut(&LedgerRow) -> Result<(), AppError>,
) -> Result<(), AppError> {
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Result<Vec<LedgerRow>, AppError>>(1);
        scope.spawn(move || {
            let mut after: Option<After> = None;
            loop {
                let page = store::page(conn, q, category, after.as_ref(), PAGE);
                let next = match &page {
                    Ok(rows) if rows.len() as i64 == PAGE => rows.last().map(LedgerRow::key),
                    _ => None,
                };
                if tx.send(page.map_err(AppError::from)).is_err() || next.is_none() {
                    return;
                }
                after = next;
            }
        });
        for page in rx {
            for row in &page? {
                f(row)?;
            }
        }
        Ok(())
    })
}

/// One case's cells, in the order of [`COLUMNS`].
pub fn cells(catalog: &Catalog, r: &LedgerRow) -> LedgerCells {
    let day = |d: Option<i32>| d.map_or(Cell::Empty, |d| Cell::Date(period::date_of(d)));
    let time = |t: Option<NaiveDateTime>| {
        t.map_or(Cell::Empty, |t| {
            // To the minute, as deadlines are shown everywhere.
            let local = t.and_utc().with_timezone(&beijing()).naive_local();
            Cell::Time(
                local
                    .with_second(0)
                    .and_then(|l| l.with_nanosecond(0))
                    .unwrap_or(local),
            )
        })
    };
    let text = |s: &str| Cell::Text(s.to_owned());
    let kind = Kind::from_code(&r.kind).map_or_else(|| r.kind.clone(), |k| catalog.kind_info(k).name.clone());
    let category = catalog
        .category(&r.category)
        .map_or_else(|| r.category.clone(), |c| c.name.clone());
    let unit = if r.unit.is_empty() {
        "（无）".to_owned()
    } else {
        catalog
            .unit(&r.unit)
            .map_or_else(|| r.unit.clone(), |u| u.name.clone())
    };
    let extension = match (r.extension.as_str(), r.extension_days) {
        ("granted", Some(days)) => Cell::Number(i64::from(days)),
        _ => text("无"),
    };
    vec![
        text(&r.tracking_code),
        Cell::Date(period::date_of(r.received_day)),
        Cell::Text(kind),
        Cell::Text(category),
        text(&r.category),
        Cell::Text(unit),
        text(&r.unit),
        text(state_label(&r.state)),
        day(r.accepted_day),
        time(r.accept_deadline),
        time(r.handle_deadline),
        extension,
        day(r.concluded_day),
        r.outcome
            .as_deref()
            .map_or(Cell::Empty, |o| text(outcome_label(o))),
        r.concluded_day
            .map_or(Cell::Empty, |c| Cell::Number(i64::from(c - r.received_day))),
        text(yes_no(r.overdue != 0)),
        text(yes_no(r.supervised)),
        r.rating.as_deref().map_or(Cell::Empty, |x| text(rating_label(x))),
    ]
}

/// CSV: a byte-order mark, one header row (`查询码 Tracking code`, …), then every case.
pub fn write_csv<W: Write>(
    conn: &mut DbConn,
    catalog: &Catalog,
    q: &StatsQuery,
    mut out: W,
) -> Result<u64, AppError> {
    // Excel takes a CSV file without a BOM for the local code page and garbles the Chinese.
    out.write_all("\u{feff}".as_bytes()).map_err(internal)?;
    let mut w = csv::Writer::from_writer(out);
    w.write_record(COLUMNS.iter().map(|c| c.header()))
        .map_err(internal)?;
    let mut rows = 0u64;
    read_snapshot(conn, |conn| -> Result<(), AppError> {
        for (category, _) in categories(conn, catalog, q)? {
            each_case(conn, q, &category, |row| {
                rows += 1;
                w.write_record(cells(catalog, row).iter().map(Cell::text))
                    .map_err(internal)
            })?;
        }
        Ok(())
    })?;
    w.flush().map_err(internal)?;
    Ok(rows)
}

/// One line of the summary: the whole scope or one category.
#[derive(Debug, Clone)]
pub struct SummaryLine {
    /// The category's code; empty for the whole scope.
    pub code: String,
    pub name: String,
    pub figures: Figures,
    /// Concluded cases per outcome code.
    pub outcomes: BTreeMap<String, i64>,
}

/// The figures of the whole scope, then of each category in ledger order — the statistics
/// grouped by category for the same request.
pub fn summary(conn: &mut DbConn, catalog: &Catalog, q: &StatsQuery) -> Result<Vec<SummaryLine>, AppError> {
    let by_category = StatsQuery {
        group_by: GroupBy::Category,
        ..q.clone()
    };
    let (mut figures, mut outcomes) = stats_store::figures_and_outcomes(conn, &by_category)?;
    let mut total = SummaryLine {
        code: String::new(),
        name: "合计 Total".to_owned(),
        figures: Figures::default(),
        outcomes: BTreeMap::new(),
    };
    let mut lines = Vec::new();
    for code in ordered(catalog, figures.keys().cloned().collect()) {
        let f = figures.remove(&code).unwrap_or_default();
        let o = outcomes.remove(&code).unwrap_or_default();
        total.figures.merge(&f);
        for (k, n) in &o {
            *total.outcomes.entry(k.clone()).or_default() += n;
        }
        let name = catalog
            .category(&code)
            .map_or_else(|| code.clone(), |c| c.name.clone());
        lines.push(SummaryLine {
            code,
            name,
            figures: f,
            outcomes: o,
        });
    }
    lines.insert(0, total);
    Ok(lines)
}
