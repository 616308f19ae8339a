//! A signed request's client: known, live, its timestamp fresh and its
//! signature made with its secret (or, during a rotation's overlap, the
//! previous one). Every refusal is audited, in a transaction of its own
//! that commits although the request fails.

use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::sync::clients::{PREVIOUS_SECRET, SECRET, TABLE};
use crate::sync::model::SyncCaller;
use crate::sync::repo::{self, ClientRow};
use crate::sync::signature::{SignedRequest, SCHEME, WINDOW_SECONDS};

/// What a refused request is told: not whether the client exists.
const REFUSED: &str = "unknown or revoked client, or a signature that does not match the request";

/// The most of an unknown client's claimed name the audit log keeps.
const CLAIM_CHARS: usize = 100;

/// The client, or why it is refused (`Ok(Err(..))`: the audit entry of
/// the refusal must commit).
pub fn authenticate(
    ctx: &mut Ctx,
    request: SignedRequest,
) -> AppResult<Result<SyncCaller, AppError>> {
    let client = repo::client_named(ctx.conn, &request.client)?;
    let refusal = match &client {
        None => Some(("unknown client", REFUSED.to_owned())),
        Some(row) if row.revoked_at.is_some() => Some(("revoked client", REFUSED.to_owned())),
        Some(_) if !request.fresh_at(ctx.now) => Some((
            "timestamp outside the window",
            format!(
                "X-ODB-Timestamp must be Unix seconds within {WINDOW_SECONDS} seconds of the \
                 server's clock (now {})",
                ctx.now.timestamp()
            ),
        )),
        Some(row) if !signed_by(ctx, row, &request)? => {
            Some(("signature mismatch", REFUSED.to_owned()))
        }
        Some(_) => None,
    };
    match (client, refusal) {
        (Some(row), None) => Ok(Ok(SyncCaller {
            id: row.id,
            name: row.name,
            source: row.source,
            path: row.path,
        })),
        (row, Some((reason, detail))) => {
            audit_refusal(ctx, row.as_ref(), &request, reason)?;
            Ok(Err(AppError::SignatureRefused(format!(
                "{SCHEME}: {detail}"
            ))))
        }
        (None, None) => Err(AppError::Internal("no client and no refusal".into())),
    }
}

/// Signed with the secret, or with the previous one while its overlap lasts.
fn signed_by(ctx: &mut Ctx, row: &ClientRow, request: &SignedRequest) -> AppResult<bool> {
    let secret = ctx
        .keyring
        .open_string(ctx.conn, TABLE, SECRET, row.id.0, &row.secret)?;
    if request.signed_with(&secret) {
        return Ok(true);
    }
    match (&row.previous_secret, row.previous_until) {
        (Some(previous), Some(until)) if ctx.now < until => {
            let previous =
                ctx.keyring
                    .open_string(ctx.conn, TABLE, PREVIOUS_SECRET, row.id.0, previous)?;
            Ok(request.signed_with(&previous))
        }
        _ => Ok(false),
    }
}

fn audit_refusal(
    ctx: &mut Ctx,
    row: Option<&ClientRow>,
    request: &SignedRequest,
    reason: &str,
) -> AppResult<()> {
    let claimed: String = request.client.chars().take(CLAIM_CHARS).collect();
    let mut event = ctx.event(
        "sync.refused",
        "sync_client",
        Some(row.map_or(claimed, |r| r.id.to_string())),
        row.map(|r| r.path.clone()),
        Vec::new(),
    );
    event.outcome = "failure".into();
    event.details = serde_json::json!({
        "reason": reason,
        "method": request.method,
        "path": request.target,
    });
    ctx.audit(&event)
}
