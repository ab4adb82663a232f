//! `GET /handler/stats/ledger.csv` and `/handler/stats/ledger.xlsx`: the ledger (台账) behind the
//! dashboard's figures, for the signed-in member of staff, with the dashboard's own query string.
//! Scoped by their reach like the figures (a unit outside it is 403). The file is streamed as it
//! is made; see [`crate::services::ledger`].

use std::io;

use actix_web::http::header;
use actix_web::{web, HttpResponse};
use futures_util::StreamExt;

use crate::i18n::Lang;
use crate::services::ledger::{self, Chunks, Heading, LedgerFormat, Source};
use crate::services::stats::{self, StatsParams};
use crate::web::pages::{PageError, PageResult};
use crate::web::session::SignedIn;
use crate::web::AppState;

pub async fn csv(
    state: web::Data<AppState>,
    staff: SignedIn,
    lang: Lang,
    params: web::Query<StatsParams>,
) -> Result<HttpResponse, PageError> {
    download(state, staff, lang, params.into_inner(), LedgerFormat::Csv).await
}

pub async fn xlsx(
    state: web::Data<AppState>,
    staff: SignedIn,
    lang: Lang,
    params: web::Query<StatsParams>,
) -> Result<HttpResponse, PageError> {
    download(state, staff, lang, params.into_inner(), LedgerFormat::Xlsx).await
}

async fn download(
    state: web::Data<AppState>,
    staff: SignedIn,
    lang: Lang,
    params: StatsParams,
    format: LedgerFormat,
) -> Result<HttpResponse, PageError> {
    let req = params.parse(stats::today(&state)).page(lang)?;
    let q = stats::query_for(&state, &staff.0, &req).page(lang)?;
    let heading = Heading::new(&state.catalog, &req, &q);
    let name = heading.file_name(format);
    let tempdir = state.settings.data_dir.join("exports");
    let mut chunks = ledger::download(Source::of(&state), q, heading, format, tempdir).page(lang)?;
    // Nothing is sent until the first chunk is made: a database that cannot be had is still an
    // error page, not a broken file. A failure later cuts the download short, never ends it as
    // if it were complete.
    let first = match chunks.next().await {
        Some(Ok(chunk)) => chunk,
        Some(Err(e)) => return Err(e).page(lang),
        None => Vec::new(),
    };
    let rest = futures_util::stream::unfold(chunks, |mut c: Chunks| async move {
        c.next().await.map(|item| (item, c))
    });
    let body = futures_util::stream::once(async move { Ok(first) })
        .chain(rest)
        .map(|item| {
            item.map(web::Bytes::from)
                .map_err(|e| io::Error::other(e.to_string()))
        });
    Ok(HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename={name}"),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body))
}
