//! Copies the catalog (regions, units, categories) into the database, idempotently: rows are
//! inserted or updated in place, parents before children, and a row that is already as the
//! catalog says is not written at all (every start would otherwise leave dead rows behind for
//! PostgreSQL's autovacuum to chase).

use std::collections::HashSet;

use diesel::prelude::*;
use diesel::upsert::excluded;

use super::schema::{categories, regions, units};
use super::DbConn;
use crate::catalog::Catalog;
use crate::on_each_backend;

type RegionRow = (String, String, String, Option<String>);
type UnitRow = (String, String, String, String, String, Option<String>, String);
type CategoryRow = (String, String, String, String);

/// Inserts or refreshes every reference row that differs from the catalog. Run inside one
/// transaction.
pub fn sync(conn: &mut DbConn, catalog: &Catalog) -> QueryResult<()> {
    let regions_now: HashSet<RegionRow> = regions::table.load(conn)?.into_iter().collect();
    let units_now: HashSet<UnitRow> = units::table.load(conn)?.into_iter().collect();
    let categories_now: HashSet<CategoryRow> = categories::table.load(conn)?.into_iter().collect();
    for (r, _) in catalog.regions_tree() {
        if regions_now.contains(&(
            r.code.clone(),
            r.name.clone(),
            r.name_en.clone(),
            r.parent.clone(),
        )) {
            continue;
        }
        let upsert = diesel::insert_into(regions::table)
            .values((
                regions::code.eq(&r.code),
                regions::name.eq(&r.name),
                regions::name_en.eq(&r.name_en),
                regions::parent.eq(&r.parent),
            ))
            .on_conflict(regions::code)
            .do_update()
            .set((
                regions::name.eq(excluded(regions::name)),
                regions::name_en.eq(excluded(regions::name_en)),
                regions::parent.eq(excluded(regions::parent)),
            ));
        on_each_backend!(conn, |c| upsert.execute(c))?;
    }
    let mut ordered: Vec<_> = catalog.units.iter().collect();
    ordered.sort_by_key(|u| catalog.region_depth(&u.region).unwrap_or(usize::MAX));
    for u in ordered {
        let row = (
            u.code.clone(),
            u.name.clone(),
            u.name_en.clone(),
            u.kind.clone(),
            u.region.clone(),
            u.parent.clone(),
            u.email.clone(),
        );
        if units_now.contains(&row) {
            continue;
        }
        let upsert = diesel::insert_into(units::table)
            .values((
                units::code.eq(&u.code),
                units::name.eq(&u.name),
                units::name_en.eq(&u.name_en),
                units::kind.eq(&u.kind),
                units::region.eq(&u.region),
                units::parent.eq(&u.parent),
                units::email.eq(&u.email),
            ))
            .on_conflict(units::code)
            .do_update()
            .set((
                units::name.eq(excluded(units::name)),
                units::name_en.eq(excluded(units::name_en)),
                units::kind.eq(excluded(units::kind)),
                units::region.eq(excluded(units::region)),
                units::parent.eq(excluded(units::parent)),
                units::email.eq(excluded(units::email)),
            ));
        on_each_backend!(conn, |c| upsert.execute(c))?;
    }
    for c in &catalog.categories {
        if categories_now.contains(&(
            c.code.clone(),
            c.name.clone(),
            c.name_en.clone(),
            c.kinds.join(","),
        )) {
            continue;
        }
        let upsert = diesel::insert_into(categories::table)
            .values((
                categories::code.eq(&c.code),
                categories::name.eq(&c.name),
                categories::name_en.eq(&c.name_en),
                categories::kinds.eq(c.kinds.join(",")),
            ))
            .on_conflict(categories::code)
            .do_update()
            .set((
                categories::name.eq(excluded(categories::name)),
                categories::name_en.eq(excluded(categories::name_en)),
                categories::kinds.eq(excluded(categories::kinds)),
            ));
        on_each_backend!(conn, |c| upsert.execute(c))?;
    }
    Ok(())
}

/// Row counts of (regions, units, categories), for start-up logs and tests.
pub fn counts(conn: &mut DbConn) -> QueryResult<(i64, i64, i64)> {
    Ok((
        regions::table.count().get_result(conn)?,
        units::table.count().get_result(conn)?,
        categories::table.count().get_result(conn)?,
    ))
}
