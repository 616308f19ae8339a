//! The statistics over HTTP, as JSON, CSV or XLSX.

use actix_web::{web, HttpRequest, HttpResponse};

use super::model::{StatTable, StatsFilter, StatsQuery};
use super::service;
use crate::auth::caller::{Caller, Permission};
use crate::error::AppResult;
use crate::export::{csv_file, xlsx_file, Format};
use crate::http::export::{file, requested};
use crate::http::AppState;

pub fn configure(table: &mut crate::http::route_table::RouteTable) {
    table.resource("/statistics/{table}", |r| r.get(statistics));
    super::resume::routes::configure(table);
}

async fn statistics(
    app: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    table: web::Path<String>,
    query: web::Query<StatsQuery>,
) -> AppResult<HttpResponse> {
    let filter = StatsFilter::try_from((table.into_inner(), &*query))?;
    // the organization table counts units; the others count people
    let scope = caller.require(match filter.table {
        StatTable::Organizations => Permission::ReadOrganizations,
        _ => Permission::ReadPersonnel,
    })?;
    let format = requested(&req, query.format.as_deref())?;
    let report = app
        .reading_as(&caller, scope, move |ctx| service::statistics(ctx, filter))
        .await?;
    let name = format!("thong-ke-{}-{}", report.table, report.as_of);
    let (heading, rows) = report.sheet();
    Ok(match format {
        Format::Json => HttpResponse::Ok().json(&report),
        Format::Csv => file(format, &name, csv_file(heading, &rows)?),
        Format::Xlsx => file(
            format,
            &name,
            xlsx_file(report.table.as_str(), heading, &rows)?,
        ),
    })
}
