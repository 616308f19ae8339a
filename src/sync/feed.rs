//! The change feed: every new version of an organization or a profile, in
//! an order a follower can resume from its cursor without missing one
//! (migration 000017: rows are written by triggers, and only rows of
//! transactions older than every running one are listed).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Int4, Text, Timestamptz, Uuid as SqlUuid};
use serde::{Deserialize, Serialize};

use crate::context::Ctx;
use crate::error::AppResult;
use crate::pagination::{self, Limit};

/// One new version of an entity.
#[derive(Debug, Clone, Serialize, QueryableByName)]
pub struct Change {
    #[diesel(sql_type = Text)]
    pub entity: String,
    #[diesel(sql_type = SqlUuid)]
    pub id: uuid::Uuid,
    #[diesel(sql_type = Int4)]
    pub version: i32,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Timestamptz)]
    pub at: DateTime<Utc>,
    /// The position after this change: resume from it.
    #[diesel(sql_type = BigInt)]
    #[serde(skip)]
    pub xid: i64,
    #[diesel(sql_type = BigInt)]
    #[serde(skip)]
    pub seq: i64,
}

/// Where a follower stands: after the change at (transaction, sequence).
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct Position(pub i64, pub i64);

/// A page of the feed; `next_cursor` is where to resume, even when the
/// page is empty (then it is the cursor given).
#[derive(Debug, Serialize)]
pub struct Feed {
    pub items: Vec<Change>,
    pub next_cursor: Option<String>,
}

/// Changes after `after` (from the beginning when none) that the caller's
/// scope shows, oldest first.
pub fn changes(ctx: &mut Ctx, (after, limit): (Option<String>, Limit)) -> AppResult<Feed> {
    let from = after
        .as_deref()
        .map(pagination::decode::<Position>)
        .transpose()?;
    let Position(xid, seq) = from.unwrap_or_default();
    let items: Vec<Change> = diesel::sql_query(
        "SELECT entity, entity_id AS id, version, kind, at, xid::text::bigint AS xid, seq FROM changes \
         WHERE (xid, seq) > ($1::text::xid8, $2) \
           AND xid < pg_snapshot_xmin(pg_current_snapshot()) \
         ORDER BY xid, seq LIMIT $3",
    )
    .bind::<Text, _>(xid.to_string())
    .bind::<BigInt, _>(seq)
    .bind::<BigInt, _>(limit.0)
    .load(ctx.conn)?;
    let next = items.last().map(|c| Position(c.xid, c.seq)).or(from);
    Ok(Feed {
        next_cursor: next.map(|p| pagination::encode(&p)),
        items,
    })
}
