//! actix glue: the route-table recorder, middleware, extractors, application
//! state and problem+json. Nothing here names a domain's routes: the service's
//! route table is `crate::routes`, so `http/` and the domains import each
//! other in one direction only.

pub mod client_address;
pub mod export;
pub mod extract;
pub mod json;
pub mod nul;
pub mod problem;
pub mod rate_limit;
pub mod request_id;
pub mod route_table;
pub mod signed;
pub mod state;
pub mod versioning;

pub use state::AppState;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{DefaultHeaders, ErrorHandlers, Next};
use actix_web::HttpResponse;
use serde_json::json;

/// Largest JSON body any route accepts.
pub const JSON_LIMIT: usize = 256 * 1024;

/// A whole list in the shape of a page: `{"items": [...], "next_cursor": null}`.
pub fn list_of<T: serde::Serialize>(items: Vec<T>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "items": items, "next_cursor": null }))
}

/// Opens each request's slot for its one database connection (db::request).
pub async fn one_connection_per_request(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    crate::db::request::scope(next.call(req)).await
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
