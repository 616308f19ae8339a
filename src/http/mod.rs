//! actix glue: the route table, middleware, extractors and problem+json.

pub mod client_address;
pub mod extract;
pub mod json;
pub mod problem;
pub mod rate_limit;
pub mod request_id;
pub mod state;
pub mod versioning;

pub use state::AppState;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::{DefaultHeaders, ErrorHandlers, Next};
use actix_web::{web, HttpResponse};
use serde_json::json;

/// Largest JSON body any route accepts.
pub const JSON_LIMIT: usize = 256 * 1024;

/// Every route of the service, registered in this one place.
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/healthz").route(web::get().to(healthz)))
        .service(web::resource("/readyz").route(web::get().to(readyz)))
        .service(
            web::scope("/api/v1")
                .configure(crate::auth::routes::configure)
                .configure(crate::org::routes::configure)
                .configure(crate::officials::routes::configure)
                .configure(crate::catalogs::configure)
                .configure(crate::audit::routes::configure),
        );
}

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

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, crate::error::AppError> {
    state.db.readiness().await?;
    Ok(HttpResponse::Ok().json(json!({"status": "ready"})))
}
