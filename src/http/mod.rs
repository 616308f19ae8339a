//! actix glue: the route table, middleware, extractors and problem+json.

pub mod client_address;
pub mod json;
pub mod problem;
pub mod rate_limit;
pub mod request_id;
pub mod route_table;
pub mod versioning;

use actix_web::middleware::{DefaultHeaders, ErrorHandlers};
use actix_web::{web, App, HttpResponse};
use serde_json::json;

use crate::startup::AppState;
use route_table::{Route, RouteTable};

/// Largest JSON body any route accepts.
pub const JSON_LIMIT: usize = 256 * 1024;

/// Every route of the service, registered in this one place.
pub fn routes(cfg: &mut web::ServiceConfig) {
    register(&mut RouteTable::new(cfg, &mut Vec::new()));
}

/// (method, full path) of every served route, from the same registration
/// the server runs, so the contract test sees what the server serves.
pub fn route_list() -> Vec<(String, String)> {
    let mut routes = Vec::new();
    App::new().configure(|cfg| register(&mut RouteTable::new(cfg, &mut routes)));
    routes
        .into_iter()
        .map(|Route { method, path }| (method.to_string(), path))
        .collect()
}

fn register(table: &mut RouteTable) {
    table
        .resource("/healthz", |r| r.get(healthz))
        .resource("/readyz", |r| r.get(readyz))
        .scope("/api/v1", |table| {
            crate::auth::routes::configure(table);
            crate::org::routes::configure(table);
            crate::officials::routes::configure(table);
            crate::catalogs::configure(table);
            crate::audit::routes::configure(table);
        });
}

pub fn error_handlers<B: actix_web::body::MessageBody + 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(problem::ensure_problem)
}

pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Referrer-Policy", "no-referrer"))
        .add(("Cache-Control", "no-store"))
        .add((
            "Content-Security-Policy",
            "default-src 'none'; frame-ancestors 'none'",
        ))
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, crate::error::AppError> {
    state.db.readiness().await?;
    Ok(HttpResponse::Ok().json(json!({"status": "ready"})))
}
