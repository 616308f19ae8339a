//! `GET /api/v1/officials/{id}/resume`: the résumé as a page or a PDF.

use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY};
use actix_web::{web, HttpResponse};

use super::model::{Resume, ResumeFormat, ResumeQuery, ResumeRequest};
use super::{html, pdf, service};
use crate::auth::caller::Caller;
use crate::error::AppResult;
use crate::http::AppState;
use crate::ids::OfficialId;

pub fn configure(table: &mut crate::http::route_table::RouteTable) {
    table.resource("/officials/{id}/resume", |r| r.get(resume));
}

async fn resume(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<OfficialId>,
    query: web::Query<ResumeQuery>,
) -> AppResult<HttpResponse> {
    let (form, format, reveal) = query.parse()?;
    let scope = crate::officials::routes::read_scope(&app, &caller, reveal)?;
    let request = ResumeRequest {
        id: id.into_inner(),
        form,
        reveal,
    };
    let resume = app
        .as_caller(&caller, scope, move |ctx| service::resume(ctx, request))
        .await?;
    answer(&resume, format)
}

/// The résumé in `format`: a page shown in the browser, a PDF downloaded.
pub fn answer(resume: &Resume, format: ResumeFormat) -> AppResult<HttpResponse> {
    Ok(match format {
        ResumeFormat::Html => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .insert_header((
                CONTENT_SECURITY_POLICY,
                html::CONTENT_SECURITY_POLICY.as_str(),
            ))
            .body(html::render(resume)),
        ResumeFormat::Pdf => HttpResponse::Ok()
            .content_type("application/pdf")
            .insert_header((CONTENT_DISPOSITION, disposition(resume)))
            .body(pdf::render(resume)?),
    })
}

/// `so-yeu-ly-lich-2c-bnv-2008-<id>.pdf`: ASCII, so every client keeps it.
fn disposition(resume: &Resume) -> String {
    format!(
        "attachment; filename=\"so-yeu-ly-lich-{}-{}.pdf\"",
        resume.form, resume.official_id
    )
}
