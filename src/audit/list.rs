//! Reading the log back for auditors, newest first, within their scope.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Jsonb, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::db::ltree::TreePath;
use crate::db::schema::sql_types::Ltree;
use crate::db::sql::SqlBuilder;
use crate::error::{AppError, AppResult};
use crate::pagination::{DEFAULT_LIMIT, MAX_LIMIT};

#[derive(Debug, Clone, PartialEq)]
pub struct AuditFilter {
    /// `None`: everything (a system-wide auditor). `Some(paths)`: only rows
    /// whose organization sits under one of them; rows without a path (such
    /// as sign-ins) are then hidden, and an empty list shows nothing.
    pub scope: Option<Vec<TreePath>>,
    pub actor_id: Option<Uuid>,
    /// Exact action, e.g. `auth.login`.
    pub action: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    /// Inclusive.
    pub from: Option<DateTime<Utc>>,
    /// Exclusive.
    pub to: Option<DateTime<Utc>>,
    /// Keyset: only rows older (lower id) than this one.
    pub before_id: Option<i64>,
    /// 1 to [`MAX_LIMIT`].
    pub limit: i64,
}

impl Default for AuditFilter {
    /// Everything, newest first, a default page at a time.
    fn default() -> Self {
        AuditFilter {
            scope: None,
            actor_id: None,
            action: None,
            entity_type: None,
            entity_id: None,
            from: None,
            to: None,
            before_id: None,
            limit: DEFAULT_LIMIT,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, QueryableByName)]
pub struct AuditEntry {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Timestamptz)]
    pub at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub actor_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub actor: Option<String>,
    #[diesel(sql_type = Text)]
    pub action: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub entity_type: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub entity_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub organization_path: Option<String>,
    #[diesel(sql_type = Array<Text>)]
    pub fields: Vec<String>,
    #[diesel(sql_type = Text)]
    pub outcome: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub address: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub request_id: Option<String>,
    #[diesel(sql_type = Jsonb)]
    pub details: Value,
    /// Lowercase hex, to compare with a checkpoint or a verify report.
    #[diesel(sql_type = Text)]
    pub hash: String,
}

const SELECT: &str = "SELECT id, at, actor_id, actor, action, entity_type, entity_id, \
    organization_path::text AS organization_path, fields, outcome, address, request_id, \
    details, encode(hash, 'hex') AS hash FROM audit_log WHERE true";

/// Rows matching `filter`, newest (highest id) first. The next page is the
/// same filter with `before_id` set to the last id returned.
pub fn list(conn: &mut PgConnection, filter: &AuditFilter) -> AppResult<Vec<AuditEntry>> {
    if !(1..=MAX_LIMIT).contains(&filter.limit) {
        return Err(AppError::invalid(
            "limit",
            format!("must be between 1 and {MAX_LIMIT}"),
        ));
    }
    let query = conditions(SqlBuilder::new(SELECT), filter)
        .sql(" ORDER BY id DESC LIMIT ")
        .bind::<BigInt, _>(filter.limit)
        .build();
    Ok(query.load(conn)?)
}

fn conditions<'f>(mut q: SqlBuilder<'f>, filter: &AuditFilter) -> SqlBuilder<'f> {
    if let Some(paths) = &filter.scope {
        q = q
            .sql(" AND organization_path <@ ANY(")
            .bind::<Array<Ltree>, _>(paths.clone())
            .sql(")");
    }
    if let Some(actor_id) = filter.actor_id {
        q = q.sql(" AND actor_id = ").bind::<SqlUuid, _>(actor_id);
    }
    for (column, value) in [
        ("action", &filter.action),
        ("entity_type", &filter.entity_type),
        ("entity_id", &filter.entity_id),
    ] {
        if let Some(value) = value {
            q = q
                .sql(&format!(" AND {column} = "))
                .bind::<Text, _>(value.clone());
        }
    }
    if let Some(from) = filter.from {
        q = q.sql(" AND at >= ").bind::<Timestamptz, _>(from);
    }
    if let Some(to) = filter.to {
        q = q.sql(" AND at < ").bind::<Timestamptz, _>(to);
    }
    if let Some(before) = filter.before_id {
        q = q.sql(" AND id < ").bind::<BigInt, _>(before);
    }
    q
}
