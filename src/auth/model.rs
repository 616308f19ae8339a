//! Accounts, sessions, grants and per-level policies.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::db::ltree::TreePath;
use crate::db::schema::{grants, level_policies, sessions, users};
use crate::text_enum;

text_enum!(
    /// What a grant lets its holder do inside the granted subtree.
    Role {
        SystemAdmin = "system_admin",
        OrgAdmin = "org_admin",
        PersonnelViewer = "personnel_viewer",
        PersonnelEditor = "personnel_editor",
        PartyViewer = "party_viewer",
        PartyEditor = "party_editor",
        DossierOfficer = "dossier_officer",
        GroupwareUser = "groupware_user",
        Auditor = "auditor",
        SyncClient = "sync_client",
    }
);

text_enum!(
    UserStatus {
        Active = "active",
        Disabled = "disabled",
        Locked = "locked",
    }
);

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg), treat_none_as_null = true)]
pub struct User {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub home_organization_id: Uuid,
    pub status: String,
    pub password_hash: String,
    pub totp_secret: Option<String>,
    pub totp_confirmed: bool,
    pub totp_last_step: Option<i64>,
    pub failed_attempts: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An account as administrators see it: never a secret.
#[derive(Debug, Clone, Serialize)]
pub struct UserView {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub home_organization_id: Uuid,
    pub status: String,
    pub mfa_enrolled: bool,
    pub locked_until: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        UserView {
            id: user.id,
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            home_organization_id: user.home_organization_id,
            status: user.status.clone(),
            mfa_enrolled: user.totp_confirmed,
            locked_until: user.locked_until,
            version: user.version,
            created_at: user.created_at,
            updated_at: user.updated_at,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions, check_for_backend(diesel::pg::Pg))]
pub struct Session {
    pub id: Uuid,
    pub token_hash: Vec<u8>,
    pub user_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub mfa_at: DateTime<Utc>,
    pub address: Option<String>,
    pub user_agent: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SessionView {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub mfa_at: DateTime<Utc>,
    pub address: Option<String>,
    pub user_agent: Option<String>,
    pub current: bool,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = grants, check_for_backend(diesel::pg::Pg))]
pub struct Grant {
    pub id: Uuid,
    pub user_id: Uuid,
    pub role: String,
    pub organization_id: Uuid,
    pub granted_by: Option<Uuid>,
    pub granted_at: DateTime<Utc>,
}

/// A grant with the path of its organization: the subtree it covers.
#[derive(Debug, Clone, QueryableByName)]
pub struct GrantScope {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub grant_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub role: String,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub organization_id: Uuid,
    #[diesel(sql_type = crate::db::schema::sql_types::Ltree)]
    pub path: TreePath,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = level_policies, check_for_backend(diesel::pg::Pg))]
pub struct LevelPolicy {
    pub level: String,
    pub session_lifetime_seconds: i32,
    pub idle_timeout_seconds: i32,
    pub step_up_max_age_seconds: i32,
    pub sign_in_allowed: bool,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Deserialize, validator::Validate)]
#[serde(deny_unknown_fields)]
pub struct PolicyInput {
    #[validate(range(min = 300, max = 86400))]
    pub session_lifetime_seconds: i32,
    #[validate(range(min = 60, max = 86400))]
    pub idle_timeout_seconds: i32,
    #[validate(range(min = 30, max = 86400))]
    pub step_up_max_age_seconds: i32,
    pub sign_in_allowed: bool,
}
