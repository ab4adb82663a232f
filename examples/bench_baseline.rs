//! The benchmarks' baseline: trivial actix-web handlers — a POST that parses the same JSON and
//! answers 201, and a GET that answers a fixed small JSON page — with no validation, storage or
//! logging. `scripts/bench-intake.sh` and `scripts/bench-queue.sh` run the same load against it
//! and against minsheng, so the ratio between the two holds across machines.
//!
//! Usage: `cargo run --release --example bench_baseline -- 127.0.0.1:8090`

use actix_web::{web, App, HttpResponse, HttpServer};

/// The GET baseline for the queue benchmark: a fixed small JSON page.
async fn page() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"cases": [], "next_cursor": null}))
}

async fn accept(body: web::Json<serde_json::Value>) -> HttpResponse {
    let kind = body
        .get("kind")
        .and_then(|k| k.as_str())
        .unwrap_or_default()
        .to_owned();
    HttpResponse::Created().json(serde_json::json!({"state": "received", "kind": kind}))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let bind = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8090".to_owned());
    HttpServer::new(|| {
        App::new()
            .route("/api/v1/submissions", web::post().to(accept))
            .route("/api/v1/staff/queue", web::get().to(page))
    })
    .bind(bind)?
    .run()
    .await
}
