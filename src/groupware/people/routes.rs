//! The colleagues' directory over HTTP, under `/groupware`.

use actix_web::{web, HttpResponse};

use super::model::{PeopleFilter, PeopleQuery};
use super::service;
use crate::auth::caller::{Caller, Permission};
use crate::error::{AppError, AppResult};
use crate::http::AppState;
use crate::pagination::{decode, Limit};
use crate::text::fold;

pub fn configure(table: &mut crate::http::route_table::RouteTable) {
    table.resource("/groupware/people", |r| r.get(people));
}

async fn people(
    app: web::Data<AppState>,
    caller: Caller,
    query: web::Query<PeopleQuery>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::UseGroupware)?;
    let filter = filter(query.into_inner())?;
    let page = app
        .as_caller(&caller, scope, move |ctx| service::people(ctx, filter))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

fn filter(query: PeopleQuery) -> AppResult<PeopleFilter> {
    let words = fold(query.q.as_deref().unwrap_or_default());
    if words.chars().count() > 100 || words.contains('\0') {
        return Err(AppError::invalid("q", "at most 100 characters, no NUL"));
    }
    Ok(PeopleFilter {
        words,
        limit: Limit::parse(query.limit)?,
        after: query.cursor.as_deref().map(decode).transpose()?,
    })
}
