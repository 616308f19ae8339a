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
                    produce(ctx, &mut |rows| sheet.append(&rows))?;
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
    let heading = export.heading;
    actix_web::rt::spawn(async move {
        let pages = tx.clone();
        let result = app
            .as_caller(&caller, scope, move |ctx| {
                let first = std::cell::Cell::new(Some(heading));
                let mut send = |rows: Vec<Row>| -> AppResult<()> {
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
                Ok(())
            })
            .await;
        if let Err(e) = result {
            let _ = tx.send(Err(e)).await;
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
