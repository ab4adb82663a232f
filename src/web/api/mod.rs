//! The JSON API under `/api/v1`: the citizen's submissions and status ([`citizen`]) and the staff
//! API with bearer tokens ([`staff`]), and the public board's figures ([`board`]). [`scope`] is
//! the one list of its routes: the server mounts it, and its OpenAPI document ([`doc`]) is built
//! from it; [`reference`] renders that document for people at `/api/docs`.

pub mod board;
pub mod citizen;
pub mod doc;
pub mod fallback;
pub mod reference;
pub mod staff;

use actix_web::dev::HttpServiceFactory;
use actix_web::web;
use utoipa_actix_web::OpenApiFactory;

use crate::web::staff::events;

/// Every route of `/api/v1`, with its OpenAPI description.
pub fn scope() -> impl HttpServiceFactory + OpenApiFactory + 'static {
    utoipa_actix_web::scope("/api/v1")
        .service(citizen::catalog)
        .service(citizen::create_submission)
        .service(citizen::get_submission)
        .service(board::get_board)
        .service(board::answers)
        .service(events::public_stats)
        .service(staff::queue)
        .service(staff::figures)
        .service(staff::case)
        .service(staff::act)
        .service(staff::publish)
        .service(doc::openapi_json)
        .default_service(web::to(fallback::unmatched))
}
