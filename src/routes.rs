//! The service's route table: every domain's routes registered in one place.
//! It lives above `http/` and the domains, so neither imports the other's
//! routes and no import cycle runs through the glue.

use actix_web::{web, App, HttpResponse};
use serde_json::json;

use crate::error::AppResult;
use crate::http::route_table::{Route, RouteTable};
use crate::http::AppState;

/// Every route of the service, registered in this one place.
pub fn routes(cfg: &mut web::ServiceConfig) {
    register(&mut RouteTable::new(cfg, &mut Vec::new()));
    // the portal's pages are for people, not part of the API contract
    crate::portal::configure(&mut RouteTable::new(cfg, &mut Vec::new()));
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
            crate::party::routes::configure(table);
            crate::catalogs::routes::configure(table);
            crate::audit::routes::configure(table);
            crate::dossiers::routes::configure(table);
            crate::sync::routes::configure(table);
            crate::groupware::correspondence::routes::configure(table);
            crate::groupware::tasks::routes::configure(table);
            crate::groupware::rooms::routes::configure(table);
            crate::groupware::notices::routes::configure(table);
            crate::groupware::calendar::routes::configure(table);
            crate::groupware::trips::routes::configure(table);
            crate::groupware::people::routes::configure(table);
            crate::reports::routes::configure(table);
            crate::imports::routes::configure(table);
        });
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

async fn readyz(state: web::Data<AppState>) -> AppResult<HttpResponse> {
    state.db.readiness().await?;
    Ok(HttpResponse::Ok().json(json!({"status": "ready"})))
}
