//! The code lists over HTTP.

use actix_web::{web, HttpResponse};

use crate::auth::caller::Caller;
use crate::context::Scope;
use crate::error::AppResult;
use crate::http::{list_of, AppState};

pub fn configure(table: &mut crate::http::route_table::RouteTable) {
    table.resource("/catalogs/{name}", |r| r.get(catalog));
}

/// Any signed-in user may read the code lists; they belong to no
/// organization, so the scope covers none.
async fn catalog(
    app: web::Data<AppState>,
    caller: Caller,
    name: web::Path<String>,
) -> AppResult<HttpResponse> {
    let items = app
        .as_caller(&caller, Scope::nothing(), move |ctx| {
            super::entries(ctx, &name)
        })
        .await?;
    Ok(list_of(items))
}
