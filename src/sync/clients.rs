//! Machine clients, registered by the operator (`odb sync-client`): each
//! holds `sync_client` over its organization's subtree and signs its
//! requests with a secret shown once and sealed at rest. A rotation keeps
//! the previous secret working for an overlap, so the source can switch
//! without a refused request.

use chrono::Duration;
use rand::rngs::OsRng;
use rand::RngCore;

use super::model::{IssuedClient, Source};
use super::repo::{self, StoredClient};
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::ids::SyncClientId;

/// Where secrets are sealed, as their associated data names it.
pub const TABLE: &str = "sync_clients";
pub const SECRET: &str = "secret";
pub const PREVIOUS_SECRET: &str = "previous_secret";

/// What `odb sync-client create` asks for.
#[derive(Debug, Clone)]
pub struct NewClient {
    pub name: String,
    /// Code of the organization whose subtree the client writes.
    pub org_code: String,
    /// The X-Road identifier the client's security server sends, if any.
    pub xroad_client: Option<String>,
}

/// 32 random bytes in hex: the HMAC key is these 64 characters as ASCII.
fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn seal(ctx: &mut Ctx, id: SyncClientId, column: &str, secret: &str) -> AppResult<Vec<u8>> {
    let sealer = ctx.keyring.sealer(ctx.conn)?;
    Ok(sealer.seal_str(TABLE, column, id.0, secret)?)
}

fn valid_name(name: &str) -> AppResult<()> {
    let ok = (3..=64).contains(&name.len())
        && name.bytes().enumerate().all(|(i, b)| {
            b.is_ascii_lowercase()
                || b.is_ascii_digit()
                || (i > 0 && matches!(b, b'.' | b'_' | b'-'))
        });
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid(
            "name",
            "3 to 64 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit",
        ))
    }
}

pub fn create(ctx: &mut Ctx, input: NewClient) -> AppResult<IssuedClient> {
    valid_name(&input.name)?;
    let org = crate::org::repo::find_by_code(ctx.conn, &input.org_code)?.ok_or_else(|| {
        AppError::invalid(
            "org",
            format!("no organization has code {}", input.org_code),
        )
    })?;
    let (id, secret) = (SyncClientId::new_random(), new_secret());
    let client = StoredClient {
        id,
        name: input.name.clone(),
        source: Source::Moha,
        xroad_client: input.xroad_client,
        organization_id: org.id,
        secret: seal(ctx, id, SECRET, &secret)?,
        previous_secret: None,
        previous_until: None,
        created_at: ctx.now,
        rotated_at: None,
        revoked_at: None,
    };
    if repo::insert_client(ctx.conn, &client)? == 0 {
        return Err(AppError::conflict(
            "sync-client-exists",
            "a client of that name (or X-Road identifier) exists",
        ));
    }
    let event = ctx.event(
        "sync_client.create",
        "sync_client",
        Some(id.to_string()),
        Some(org.path),
        Vec::new(),
    );
    ctx.audit(&event)?;
    Ok(IssuedClient {
        id,
        name: input.name,
        secret,
        previous_until: None,
    })
}

fn live(ctx: &mut Ctx, name: &str) -> AppResult<StoredClient> {
    repo::live_client_for_update(ctx.conn, name)?
        .ok_or_else(|| AppError::invalid("name", format!("no live sync client is named {name}")))
}

/// A new secret; the current one keeps working for `overlap`.
pub fn rotate(ctx: &mut Ctx, name: &str, overlap: Duration) -> AppResult<IssuedClient> {
    if overlap < Duration::zero() || overlap > Duration::days(30) {
        return Err(AppError::invalid(
            "overlap",
            "must be between 0 and 30 days",
        ));
    }
    let mut client = live(ctx, name)?;
    let current = ctx
        .keyring
        .open_string(ctx.conn, TABLE, SECRET, client.id.0, &client.secret)?;
    let secret = new_secret();
    client.previous_secret = Some(seal(ctx, client.id, PREVIOUS_SECRET, &current)?);
    client.previous_until = Some(ctx.now + overlap);
    client.secret = seal(ctx, client.id, SECRET, &secret)?;
    repo::rotate(ctx.conn, &client, ctx.now)?;
    audit(ctx, &client, "sync_client.rotate")?;
    Ok(IssuedClient {
        id: client.id,
        name: client.name,
        secret,
        previous_until: client.previous_until,
    })
}

/// Refused from its next request on.
pub fn revoke(ctx: &mut Ctx, name: &str) -> AppResult<SyncClientId> {
    let client = live(ctx, name)?;
    repo::revoke(ctx.conn, client.id, ctx.now)?;
    audit(ctx, &client, "sync_client.revoke")?;
    Ok(client.id)
}

fn audit(ctx: &mut Ctx, client: &StoredClient, action: &str) -> AppResult<()> {
    let path = crate::org::repo::find(ctx.conn, client.organization_id)?.map(|o| o.path);
    let event = ctx.event(
        action,
        "sync_client",
        Some(client.id.to_string()),
        path,
        Vec::new(),
    );
    ctx.audit(&event)
}
