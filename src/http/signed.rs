//! A machine client's signed request read off the wire (docs/integration/moha-sync.md); the
//! sync service decides whether the signature holds, and audits a refusal.

use actix_web::HttpRequest;

use super::state::AppState;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::sync::model::SyncCaller;
use crate::sync::signature::{body_sha256, SignedRequest, SCHEME};

pub const CLIENT: &str = "x-odb-client";
/// X-Road's client identifier header, accepted as an alias of `X-ODB-Client`.
pub const XROAD_CLIENT: &str = "x-road-client";
pub const TIMESTAMP: &str = "x-odb-timestamp";
pub const SIGNATURE: &str = "x-odb-signature";

/// Longest header value read.
const HEADER_CHARS: usize = 200;

fn header<'r>(req: &'r HttpRequest, name: &str) -> Option<&'r str> {
    req.headers()
        .get(name)?
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= HEADER_CHARS)
}

fn missing(what: &str) -> AppError {
    AppError::SignatureRefused(format!(
        "{SCHEME}: sign the request and send {what} (a person's session cannot call the sync routes)"
    ))
}

/// The client named once: by X-ODB-Client, X-Road-Client, or both alike.
fn client(req: &HttpRequest) -> AppResult<String> {
    match (header(req, CLIENT), header(req, XROAD_CLIENT)) {
        (Some(a), Some(b)) if a != b => Err(AppError::SignatureRefused(format!(
            "{SCHEME}: X-ODB-Client and X-Road-Client name different clients"
        ))),
        (Some(named), _) | (None, Some(named)) => Ok(named.to_owned()),
        (None, None) => Err(missing("X-ODB-Client (or X-Road-Client)")),
    }
}

fn signed_request(req: &HttpRequest, body: &[u8]) -> AppResult<SignedRequest> {
    let target = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.path().to_owned(), |p| p.as_str().to_owned());
    Ok(SignedRequest {
        client: client(req)?,
        timestamp: header(req, TIMESTAMP)
            .ok_or_else(|| missing("X-ODB-Timestamp"))?
            .to_owned(),
        signature: header(req, SIGNATURE)
            .ok_or_else(|| missing("X-ODB-Signature"))?
            .to_ascii_lowercase(),
        method: req.method().as_str().to_owned(),
        target,
        body_sha256: body_sha256(body),
    })
}

/// The client that signed this request, or 401 (audited when a client is named).
pub async fn signed_client(
    app: &AppState,
    req: &HttpRequest,
    meta: RequestMeta,
    body: &[u8],
) -> AppResult<SyncCaller> {
    let request = signed_request(req, body)?;
    app.anonymous(meta, move |ctx| {
        crate::sync::service::authenticate(ctx, request)
    })
    .await?
}
