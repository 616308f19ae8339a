//! Notices and statistics over HTTP, under `/groupware`: handlers are glue.

use actix_web::{web, HttpResponse};

use super::model::{Period, StatisticsQuery};
use super::service;
use crate::auth::caller::{Caller, Permission};
use crate::error::{AppError, AppResult};
use crate::http::AppState;
use crate::validation::parse;

pub fn configure(table: &mut crate::http::route_table::RouteTable) {
    table
        .resource("/groupware/notices", |r| r.get(notices))
        .resource("/groupware/statistics", |r| r.get(statistics));
}

async fn notices(app: web::Data<AppState>, caller: Caller) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::UseGroupware)?;
    let notices = app.as_caller(&caller, scope, service::notices).await?;
    Ok(HttpResponse::Ok().json(notices))
}

async fn statistics(
    app: web::Data<AppState>,
    caller: Caller,
    query: web::Query<StatisticsQuery>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::UseGroupware)?;
    let period = period(query.into_inner())?;
    let statistics = app
        .as_caller(&caller, scope, move |ctx| service::statistics(ctx, period))
        .await?;
    Ok(HttpResponse::Ok().json(statistics))
}

/// The unit (required) and the period's bounds as given.
fn period(query: StatisticsQuery) -> AppResult<Period> {
    let organization_id = parse("organization_id", &query.organization_id, "a UUID")?
        .ok_or_else(|| AppError::invalid("organization_id", "is required: whose statistics"))?;
    Ok(Period {
        organization_id,
        from: parse("from", &query.from, "a date")?,
        until: parse("until", &query.until, "a date")?,
    })
}
