//! Reports and lists as files: the format asked for (`format=` or
//! `Accept`), a small table answered whole, and a long list streamed as CSV
//! while one transaction reads it a page at a time (the rows never sit in
//! memory together), or written to an XLSX worksheet kept in temporary files.

use actix_web::http::header::{ACCEPT, CONTENT_DISPOSITION};
use actix_web::web::Bytes;
use actix_web::{web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use tokio::sync::mpsc;

use super::AppState;
use crate::auth::caller::Caller;
use crate::context::{Ctx, Scope};
use crate::error::{AppError, AppResult};
use crate::export::{csv_lines, heading_row, Format, Row, Sink, XlsxSheet, BOM};

/// `format=` of a list route that can be exported.
#[derive(Debug, Default, serde::Deserialize)]
pub struct FormatQuery {
    pub format: Option<String>,
}

/// The format a request asks for.
pub fn requested(req: &HttpRequest, format: Option<&str>) -> AppResult<Format> {
    let accept = req.headers().get(ACCEPT).and_then(|v| v.to_str().ok());
    Format::choose(format, accept)
}

/// A file answered whole, as an attachment named `name.csv` / `name.xlsx`.
pub fn file(format: Format, name: &str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(format.content_type())
        .insert_header((CONTENT_DISPOSITION, disposition(format, name)))
        .body(body)
}

fn disposition(format: Format, name: &str) -> String {
    format!("attachment; filename=\"{name}.{format}\"")
}

/// What a list export is: its file name, sheet title and heading.
pub struct Export {
    pub format: Format,
    pub name: &'static str,
    pub heading: &'static [&'static str],
}

/// Runs `produce` in the caller's scope, one transaction, and answers with
/// what it writes. CSV goes out as it is produced: nothing is sent until the
/// first page is (so a refusal is still a problem+json), and a client that
/// goes away stops the reading.
pub async fn list<F>(
    app: web::Data<AppState>,
    caller: Caller,
    scope: Scope,
    export: Export,
    produce: F,
) -> AppResult<HttpResponse>
where
    F: FnOnce(&mut Ctx, &mut Sink) -> AppResult<()> + Send + 'static,
{
    match export.format {
        Format::Xlsx => {
            let body = app
                .as_caller(&caller, scope, move |ctx| {
                    let mut sheet = XlsxSheet::new(export.name, export.heading)?;
                    let mut count = 0;
                    produce(ctx, &mut |rows| {
                        count += rows.len();
                        sheet.append(&rows)
                    })?;
                    audit_export(ctx, (export.name, Format::Xlsx), count)?;
                    sheet.finish()
                })
                .await?;
            Ok(file(Format::Xlsx, export.name, body))
        }
        _ => csv_stream(app, caller, scope, export, produce).await,
    }
}

async fn csv_stream<F>(
    app: web::Data<AppState>,
    caller: Caller,
    scope: Scope,
    export: Export,
    produce: F,
) -> AppResult<HttpResponse>
where
    F: FnOnce(&mut Ctx, &mut Sink) -> AppResult<()> + Send + 'static,
{
    // a few pages in flight: the reader waits for a slow client
    let (tx, mut rx) = mpsc::channel::<AppResult<Bytes>>(4);
    let (heading, name) = (export.heading, export.name);
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    actix_web::rt::spawn(async move {
        let pages = tx.clone();
        let counted = sent.clone();
        let result = app
            .as_caller(&caller, scope.clone(), move |ctx| {
                let first = std::cell::Cell::new(Some(heading));
                let count = std::cell::Cell::new(0);
                let mut send = |rows: Vec<Row>| -> AppResult<()> {
                    count.set(count.get() + rows.len());
                    counted.store(count.get(), std::sync::atomic::Ordering::Relaxed);
                    let mut bytes = Vec::new();
                    if let Some(heading) = first.take() {
                        bytes.extend(BOM);
                        bytes.extend(csv_lines(&[heading_row(heading)])?);
                    }
                    bytes.extend(csv_lines(&rows)?);
                    pages
                        .blocking_send(Ok(bytes.into()))
                        .map_err(|_| AppError::BadRequest("the client went away".into()))
                };
                produce(ctx, &mut send)?;
                // an empty list is still a file with its heading
                if let Some(heading) = first.take() {
                    first.set(Some(heading));
                    send(Vec::new())?;
                }
                audit_export(ctx, (name, Format::Csv), count.get())
            })
            .await;
        if let Err(e) = result {
            let _ = tx.send(Err(e)).await;
            // rows already sent left ODB: the rollback must not hide them
            let rows = sent.load(std::sync::atomic::Ordering::Relaxed);
            if rows > 0 {
                let recorded = app
                    .as_caller(&caller, scope, move |ctx| {
                        audit_export(ctx, (name, Format::Csv), rows)
                    })
                    .await;
                if let Err(error) = recorded {
                    tracing::error!(%error, list = name, "an interrupted export was not audited");
                }
            }
        }
    });
    let first = rx
        .recv()
        .await
        .ok_or_else(|| AppError::Internal("the export ended before it began".into()))??;
    let rest = futures_util::stream::unfold(rx, |mut rx| async move {
        let next = rx.recv().await?;
        Some((next.map_err(actix_web::Error::from), rx))
    });
    let body = futures_util::stream::once(async move { Ok(first) }).chain(rest);
    Ok(HttpResponse::Ok()
        .content_type(export.format.content_type())
        .insert_header((CONTENT_DISPOSITION, disposition(Format::Csv, export.name)))
        .streaming(body))
}

/// A whole list leaving ODB is an access that matters: who, which list,
/// how many rows, placed at the caller's (first) subtree so its auditors
/// see it.
fn audit_export(ctx: &mut Ctx, (name, format): (&str, Format), rows: usize) -> AppResult<()> {
    let place = ctx
        .scope
        .read_roots()
        .and_then(|roots| roots.into_iter().next());
    let mut event = ctx.event(
        "list.export",
        "list",
        Some(name.to_owned()),
        place,
        Vec::new(),
    );
    event.details = serde_json::json!({"format": format.to_string(), "rows": rows});
    ctx.audit(&event)
}
