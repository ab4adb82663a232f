//! Open311 GeoReport v2 services: integration keys ([`keys`]), the services offered — one per
//! kind/category pair — and their definitions ([`catalog`]), and filing and listing requests
//! ([`requests`]). Filing goes through the intake service like every other channel. Nothing here
//! knows about HTTP, XML or JSON.

pub mod catalog;
pub mod keys;
pub mod listing;
pub mod requests;

use crate::catalog::Catalog;
use crate::error::AppError;

/// The jurisdictions served: the province(s) at the top of the region tree. A `jurisdiction_id`
/// that is given must be one of them.
pub fn check_jurisdiction(catalog: &Catalog, jurisdiction_id: Option<&str>) -> Result<(), AppError> {
    match jurisdiction_id.map(str::trim).filter(|j| !j.is_empty()) {
        None => Ok(()),
        Some(j) if catalog.region(j).is_some_and(|r| r.parent.is_none()) => Ok(()),
        Some(_) => Err(AppError::Malformed(
            "unknown jurisdiction_id: give the province's region code".into(),
        )),
    }
}
