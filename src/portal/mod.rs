//! The electronic portal: ODB in a browser, served by the same binary at
//! `/` (the API stays under `/api/v1`). Pages are rendered on the server
//! (maud templates, escaped by default), work without JavaScript, and speak
//! Vietnamese first. Handlers are glue over the same services the API
//! calls, so scope, masking, step-up and audit are the services' and are
//! never written twice; the portal adds only what a browser needs: cookies,
//! CSRF tokens, a Content-Security-Policy, words and pages.

mod admin;
mod assets;
mod assign;
mod audit;
mod browser;
mod calendar;
pub mod cookies;
mod dossiers;
mod error;
mod form;
pub mod format;
mod groupware;
pub mod i18n;
mod imports;
mod multipart;
mod officials;
mod organizations;
mod page;
mod party;
mod people;
mod rooms;
mod sign_in;
mod start;
mod statistics;
mod tasks;
mod trips;

use crate::http::route_table::RouteTable;

/// The portal's pages. They are not part of the API contract: register
/// them on a table whose list is not compared with api/openapi.yaml.
pub fn configure(table: &mut RouteTable) {
    table
        .resource("/", |r| r.get(start::start))
        .resource("/static/portal.css", |r| r.get(assets::stylesheet))
        .resource("/static/portal.js", |r| r.get(assets::script))
        .resource("/sign-in", |r| {
            r.get(sign_in::sign_in_page).post(sign_in::submit_password)
        })
        .resource("/sign-in/code", |r| r.post(sign_in::submit_code))
        .resource("/sign-out", |r| r.post(sign_in::sign_out))
        .resource("/step-up", |r| {
            r.get(sign_in::step_up_page).post(sign_in::submit_step_up)
        })
        .resource("/language", |r| r.post(sign_in::choose_language))
        .resource("/organizations", |r| r.get(organizations::tree))
        .resource("/organizations/{id}", |r| r.get(organizations::unit))
        .resource("/audit", |r| r.get(audit::log))
        .resource("/statistics", |r| r.get(statistics::statistics));
    officials::configure(table);
    party::configure(table);
    admin::configure(table);
    dossiers::configure(table);
    groupware::configure(table);
    assign::configure(table);
    rooms::configure(table);
    tasks::configure(table);
    imports::configure(table);
    trips::configure(table);
    calendar::configure(table);
}
