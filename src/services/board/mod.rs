//! The public board (公开栏): what anyone may see of the work, without signing in — the figures
//! of the last twelve months per region (a county's roll up to its city, a city's to the
//! province) and per kind of unit, in total and per month, broken down by kind of submission and
//! by problem (the six stubborn problems of reports), with small counts suppressed
//! ([`crate::domain::stats::suppress`]); and the answers staff published with the citizen's
//! consent.
//!
//! The figures are counted with one `GROUP BY` ([`crate::storage::board::monthly`]), suppressed
//! as one grid (every published number and every sum relation between them, so no view can be
//! set against another), and kept for [`BoardCache::TTL`]: a busy board costs one count a minute.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use super::context::Context;
use crate::catalog::Catalog;
use crate::domain::kind::{Kind, UnitKind};
use crate::domain::stats::suppress::{publish_rate, Grid, Mark};
use crate::domain::stats::{period, Count, Figures, PeriodChoice};
use crate::domain::text::normalize_optional;
use crate::error::AppError;
use crate::storage::board::{self as store, AnswerQuery, MonthGroup};

pub use cache::BoardCache;
pub use model::*;

pub mod cache;
mod model;

/// The board, from the cache when it is fresh.
pub async fn board(ctx: &Context) -> Result<Arc<Board>, AppError> {
    if let Some(b) = ctx.board_cache.get() {
        return Ok(b);
    }
    let now = ctx.clock.now();
    let today = period::beijing_date(now.naive_utc());
    let days = PeriodChoice::Last12Months
        .days(today)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("no twelve months")))?;
    let groups = ctx
        .db
        .read(move |conn| Ok::<_, AppError>(store::monthly(conn, days, now.naive_utc())?))
        .await?;
    let min = i64::from(ctx.settings.stats.public_min_count);
    let board = Arc::new(build(
        &ctx.catalog,
        &groups,
        now,
        period::date_of(days.from),
        today,
        min,
    ));
    ctx.board_cache.put(board.clone());
    Ok(board)
}

/// What is counted per row and month before suppression.
#[derive(Debug, Clone, Default)]
struct Acc {
    figures: Figures,
    by_kind: Vec<i64>,
    by_category: Vec<i64>,
}

/// The board's rows before their figures: which regions exist and how they nest.
struct Layout {
    rows: Vec<Row>,
    /// Region code → (its total row, its own-level row if it has regions inside it).
    region_rows: HashMap<String, (usize, Option<usize>)>,
    /// Total row → the rows that add up to it (own level first, then the regions inside).
    sums: Vec<(usize, Vec<usize>)>,
    /// The row of every case (the single top region, or a row added above several).
    all: usize,
    /// Unit kind code (`""` for none) → row.
    unit_kind_rows: HashMap<String, usize>,
    first_unit_kind: usize,
}

fn empty_line() -> Line {
    Line {
        received: Figure {
            value: None,
            mark: Mark::Shown,
        },
        by_kind: Vec::new(),
        by_category: Vec::new(),
        concluded: Figure {
            value: None,
            mark: Mark::Shown,
        },
        rates: Vec::new(),
    }
}

fn row(code: &str, name: String, name_en: String, depth: usize, own: bool, parent: Option<String>) -> Row {
    Row {
        code: code.to_owned(),
        name,
        name_en,
        depth,
        own,
        parent,
        total: empty_line(),
        months: Vec::new(),
    }
}

/// The names of a kind of unit on the board; `""` is a case no unit holds.
pub fn unit_kind_name(code: &str) -> (&'static str, &'static str) {
    match UnitKind::from_code(code) {
        Some(UnitKind::Plc) => ("政法委", "Political-legal commissions"),
        Some(UnitKind::Police) => ("公安机关", "Police"),
        Some(UnitKind::Procuratorate) => ("检察院", "Procuratorates"),
        Some(UnitKind::Court) => ("法院", "Courts"),
        Some(UnitKind::Justice) => ("司法行政机关", "Justice bureaus"),
        Some(UnitKind::Discipline) => ("纪委监委", "Discipline inspection"),
        Some(UnitKind::Office) => (
            "教育整顿办（含待分派）",
            "Rectification offices (incl. awaiting dispatch)",
        ),
        None => ("其他", "Other"),
    }
}

fn layout(catalog: &Catalog) -> Layout {
    let tree = catalog.regions_tree();
    let has_children = |code: &str| catalog.regions.iter().any(|r| r.parent.as_deref() == Some(code));
    let roots: Vec<&str> = tree
        .iter()
        .filter(|(_, d)| *d == 0)
        .map(|(r, _)| r.code.as_str())
        .collect();
    let mut rows = Vec::new();
    let mut region_rows = HashMap::new();
    let several = roots.len() != 1;
    if several {
        rows.push(row("", "全部".into(), "All".into(), 0, false, None));
    }
    let shift = usize::from(several);
    for (r, depth) in &tree {
        let total = rows.len();
        rows.push(row(
            &r.code,
            r.name.clone(),
            r.name_en.clone(),
            depth + shift,
            false,
            r.parent.clone(),
        ));
        let own = has_children(&r.code).then(|| {
            rows.push(row(
                &r.code,
                format!("{}本级", r.name),
                format!("{} (own level)", r.name_en),
                depth + shift + 1,
                true,
                Some(r.code.clone()),
            ));
            rows.len() - 1
        });
        region_rows.insert(r.code.clone(), (total, own));
    }
    let mut sums = Vec::new();
    for (r, _) in &tree {
        let (total, own) = region_rows[&r.code];
        if let Some(own) = own {
            let mut parts = vec![own];
            parts.extend(
                tree.iter()
                    .filter(|(c, _)| c.parent.as_deref() == Some(r.code.as_str()))
                    .map(|(c, _)| region_rows[&c.code].0),
            );
            sums.push((total, parts));
        }
    }
    let all = if several {
        sums.push((0, roots.iter().map(|c| region_rows[*c].0).collect()));
        0
    } else {
        roots.first().map_or(0, |c| region_rows[*c].0)
    };
    let first_unit_kind = rows.len();
    let mut unit_kind_rows = HashMap::new();
    for code in UnitKind::ALL.iter().map(|k| k.code()).chain([""]) {
        let (zh, en) = unit_kind_name(code);
        unit_kind_rows.insert(code.to_owned(), rows.len());
        rows.push(row(code, zh.into(), en.into(), 0, false, None));
    }
    Layout {
        rows,
        region_rows,
        sums,
        all,
        unit_kind_rows,
        first_unit_kind,
    }
}

/// Counts, suppresses and names the board. Pure: `groups` are the counts from storage.
pub fn build(
    catalog: &Catalog,
    groups: &[MonthGroup],
    now: DateTime<Utc>,
    from: NaiveDate,
    to: NaiveDate,
    min: i64,
) -> Board {
    let mut months = Vec::new();
    let mut m = from.with_day(1).unwrap_or(from);
    while m <= to {
        months.push(m.year() * 100 + m.month() as i32);
        m = m
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(to + chrono::Duration::days(1));
    }
    let kinds: Vec<Kind> = Kind::ALL.to_vec();
    let categories: Vec<(String, String, String)> = catalog
        .categories_of(Kind::Report)
        .map(|c| (c.code.clone(), c.name.clone(), c.name_en.clone()))
        .collect();
    let mut lay = layout(catalog);
    let slots = months.len() + 1;
    let total_slot = months.len();
    let blank = Acc {
        figures: Figures::default(),
        by_kind: vec![0; kinds.len()],
        by_category: vec![0; categories.len()],
    };
    let mut acc: Vec<Vec<Acc>> = vec![vec![blank; slots]; lay.rows.len()];

    for g in groups {
        let (Some(slot), Some(region)) = (
            months.iter().position(|m| *m == g.month),
            catalog.region(&g.region),
        ) else {
            continue;
        };
        let Some(kind) = Kind::from_code(&g.kind) else {
            continue;
        };
        // The rows this group counts in: its region's own level (or the county itself), that
        // region's total and every region above it, everything, and the kind of unit holding it.
        let mut targets = Vec::new();
        let (total, own) = lay.region_rows[&region.code];
        targets.extend(own);
        targets.push(total);
        let mut up = region.parent.clone();
        while let Some(code) = up {
            if let Some((t, _)) = lay.region_rows.get(&code) {
                targets.push(*t);
            }
            up = catalog.region(&code).and_then(|r| r.parent.clone());
        }
        if !targets.contains(&lay.all) {
            targets.push(lay.all);
        }
        let unit_kind = catalog.unit(&g.unit).map_or("", |u| u.kind.as_str());
        let uk_row = lay
            .unit_kind_rows
            .get(unit_kind)
            .copied()
            .unwrap_or(lay.unit_kind_rows[""]);
        targets.push(uk_row);
        let k = kinds.iter().position(|x| *x == kind).unwrap_or(0);
        let c = categories.iter().position(|(code, _, _)| *code == g.category);
        for row in targets {
            for s in [slot, total_slot] {
                let a = &mut acc[row][s];
                a.figures.add(Count::Received, g.received);
                a.figures.add(Count::Accepted, g.accepted);
                a.figures.add(Count::Concluded, g.concluded);
                a.figures.add(Count::OnTime, g.on_time);
                a.figures.add(Count::Rated, g.rated);
                a.figures.add(Count::Satisfied, g.satisfied);
                a.by_kind[k] += g.received;
                if kind == Kind::Report {
                    if let Some(c) = c {
                        a.by_category[c] += g.received;
                    }
                }
            }
        }
    }

    // Every published count is a cell; every sum between them a relation.
    let mut grid = Grid::new();
    // ids[row][slot] = (received, by kind, by category, concluded)
    type Ids = (usize, Vec<usize>, Vec<usize>, usize);
    let ids: Vec<Vec<Ids>> = acc
        .iter()
        .map(|per_slot| {
            per_slot
                .iter()
                .map(|a| {
                    (
                        grid.cell(a.figures.get(Count::Received)),
                        a.by_kind.iter().map(|v| grid.cell(*v)).collect(),
                        a.by_category.iter().map(|v| grid.cell(*v)).collect(),
                        grid.cell(a.figures.get(Count::Concluded)),
                    )
                })
                .collect()
        })
        .collect();
    let columns = |i: &Ids| -> Vec<usize> {
        let mut v = vec![i.0];
        v.extend(&i.1);
        v.extend(&i.2);
        v.push(i.3);
        v
    };
    let report = kinds.iter().position(|k| *k == Kind::Report);
    for per_slot in &ids {
        for i in per_slot {
            grid.relation(i.0, i.1.clone());
            if let Some(r) = report {
                grid.relation(i.1[r], i.2.clone());
            }
        }
        // The twelve months are the sum of the months, column by column.
        let total = columns(&per_slot[total_slot]);
        for (col, t) in total.iter().enumerate() {
            let parts = per_slot[..total_slot].iter().map(|i| columns(i)[col]).collect();
            grid.relation(*t, parts);
        }
    }
    let mut sums = lay.sums.clone();
    sums.push((lay.all, (lay.first_unit_kind..lay.rows.len()).collect()));
    for (total, parts) in &sums {
        for (s, slot_ids) in ids[*total].iter().enumerate() {
            let t = columns(slot_ids);
            for (col, cell) in t.iter().enumerate() {
                let p = parts.iter().map(|r| columns(&ids[*r][s])[col]).collect();
                grid.relation(*cell, p);
            }
        }
    }
    let marks = grid.suppress(min);
    let fig = |cell: usize| Figure {
        value: (!marks[cell].hidden()).then(|| grid.value(cell)),
        mark: marks[cell],
    };
    let line = |a: &Acc, i: &Ids| {
        let concluded = fig(i.3);
        Line {
            received: fig(i.0),
            by_kind: i.1.iter().map(|c| fig(*c)).collect(),
            by_category: i.2.iter().map(|c| fig(*c)).collect(),
            rates: RATES
                .iter()
                .map(|r| {
                    // The concluded count is published: a rate over it or of it must not give
                    // it back when it is hidden.
                    let (num, den) = r.parts();
                    let uses_hidden =
                        (num == Count::Concluded || den == Count::Concluded) && concluded.mark.hidden();
                    publish_rate(a.figures.rate(*r), min, uses_hidden)
                })
                .collect(),
            concluded,
        }
    };
    for (r, row) in lay.rows.iter_mut().enumerate() {
        row.total = line(&acc[r][total_slot], &ids[r][total_slot]);
        row.months = (0..total_slot).map(|s| line(&acc[r][s], &ids[r][s])).collect();
    }
    let mut rows = lay.rows;
    let unit_kinds = rows.split_off(lay.first_unit_kind);
    // An own-level row without a case says nothing its region's row does not.
    let regions = rows
        .into_iter()
        .filter(|r| !r.own || r.total.received.value != Some(0))
        .collect();
    Board {
        generated_at: now,
        min_count: min,
        from,
        to,
        months,
        kinds,
        categories,
        regions,
        unit_kinds,
    }
}

/// A published answer as the board lists it.
#[derive(Debug, Clone)]
pub struct PublishedAnswer {
    pub kind: String,
    pub category: String,
    pub region: String,
    /// `YYYYMM` of receipt: nothing finer is shown.
    pub month: i32,
    pub summary: String,
    pub answer: String,
}

/// Which answers a visitor asks for.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct AnswerFilter {
    pub region: Option<String>,
    pub category: Option<String>,
    pub q: Option<String>,
    pub page: Option<u32>,
}

/// A page of published answers.
#[derive(Debug, Clone)]
pub struct AnswerPage {
    pub items: Vec<PublishedAnswer>,
    pub page: u32,
    pub has_next: bool,
    /// The filter as understood: unknown codes are dropped.
    pub region: Option<String>,
    pub category: Option<String>,
    pub q: Option<String>,
}

pub const ANSWERS_PER_PAGE: i64 = 10;
/// The longest search text taken.
const MAX_SEARCH: usize = 50;

/// Published answers, newest first, filtered by region (and those inside it), category and text.
pub async fn answers(ctx: &Context, filter: AnswerFilter) -> Result<AnswerPage, AppError> {
    let catalog = &ctx.catalog;
    let region = normalize_optional(filter.region.as_deref()).filter(|r| catalog.region(r).is_some());
    let category = normalize_optional(filter.category.as_deref()).filter(|c| {
        catalog
            .category(c)
            .is_some_and(|x| x.kinds.iter().any(|k| k != Kind::Report.code()))
    });
    let q = normalize_optional(filter.q.as_deref()).map(|s| s.chars().take(MAX_SEARCH).collect::<String>());
    let page = filter.page.unwrap_or(1).clamp(1, 10_000);
    let regions = region.as_ref().map(|r| {
        catalog
            .regions
            .iter()
            .filter(|x| catalog.region_is_ancestor(r, &x.code) || x.code == *r)
            .map(|x| x.code.clone())
            .collect()
    });
    let query = AnswerQuery {
        regions,
        category: category.clone(),
        text: q.clone(),
        offset: i64::from(page - 1) * ANSWERS_PER_PAGE,
        limit: ANSWERS_PER_PAGE + 1,
    };
    let mut rows = ctx
        .db
        .read(move |conn| Ok::<_, AppError>(store::published(conn, &query)?))
        .await?;
    let has_next = rows.len() as i64 > ANSWERS_PER_PAGE;
    rows.truncate(ANSWERS_PER_PAGE as usize);
    Ok(AnswerPage {
        items: rows
            .into_iter()
            .map(|r| PublishedAnswer {
                kind: r.kind,
                category: r.category,
                region: r.region,
                month: r.received_month,
                summary: r.summary,
                answer: r.answer,
            })
            .collect(),
        page,
        has_next,
        region,
        category,
        q,
    })
}

#[cfg(test)]
mod tests;
