//! Accounts, sessions, grants and per-level policies, and what the sign-in
//! and account routes send and receive.

use std::fmt;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::ltree::TreePath;
use crate::db::schema::{grants, level_policies, sessions, users};
use crate::error::{AppError, AppResult};
use crate::ids::{GrantId, OrganizationId, SessionId, UserId};
use crate::org::model::Level;
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

#[derive(Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg), treat_none_as_null = true)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub home_organization_id: OrganizationId,
    pub status: UserStatus,
    pub password_hash: String,
    /// The TOTP secret, sealed and bound to this row (see `auth::secret`).
    /// Saving an account leaves it alone: only `repo::set_totp_secret`
    /// writes it, so a save never puts back a value that a key rotation
    /// re-sealed in the meantime.
    #[diesel(skip_update)]
    pub totp_secret: Option<Vec<u8>>,
    pub totp_confirmed: bool,
    pub totp_last_step: Option<i64>,
    pub failed_attempts: i32,
    pub locked_until: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Never the password hash or the TOTP secret, even sealed.
impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("home_organization_id", &self.home_organization_id)
            .field("status", &self.status)
            .field("totp_confirmed", &self.totp_confirmed)
            .field("failed_attempts", &self.failed_attempts)
            .field("locked_until", &self.locked_until)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl User {
    /// A new active account without a second factor yet.
    pub fn new(profile: NewAccount, password_hash: String, now: DateTime<Utc>) -> User {
        User {
            id: UserId::new_random(),
            username: profile.username,
            display_name: profile.display_name,
            home_organization_id: profile.home,
            status: UserStatus::Active,
            password_hash,
            totp_secret: None,
            totp_confirmed: false,
            totp_last_step: None,
            failed_attempts: 0,
            locked_until: None,
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }

    /// Active again, with no failures counted.
    pub fn unlock(&mut self) {
        self.status = UserStatus::Active;
        self.failed_attempts = 0;
        self.locked_until = None;
    }
}

/// Who a new account is, before it has a password.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub home: OrganizationId,
}

/// An account as administrators see it: never a secret.
#[derive(Debug, Clone, Serialize)]
pub struct UserView {
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub home_organization_id: OrganizationId,
    pub status: UserStatus,
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
            status: user.status,
            mfa_enrolled: user.totp_confirmed,
            locked_until: user.locked_until,
            version: user.version,
            created_at: user.created_at,
            updated_at: user.updated_at,
        }
    }
}

#[derive(Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sessions, check_for_backend(diesel::pg::Pg))]
pub struct Session {
    pub id: SessionId,
    pub token_hash: Vec<u8>,
    pub user_id: UserId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub mfa_at: DateTime<Utc>,
    pub address: Option<String>,
    pub user_agent: Option<String>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Never the token's hash: it is what a stolen database would be searched for.
impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id)
            .field("user_id", &self.user_id)
            .field("expires_at", &self.expires_at)
            .field("mfa_at", &self.mfa_at)
            .field("revoked_at", &self.revoked_at)
            .finish_non_exhaustive()
    }
}

/// A session as its owner sees it: never the token's hash.
#[derive(Debug, Clone, Serialize)]
pub struct SessionView {
    pub id: SessionId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub mfa_at: DateTime<Utc>,
    pub address: Option<String>,
    pub user_agent: Option<String>,
    /// The session this request came with.
    pub current: bool,
}

impl SessionView {
    pub fn of(session: Session, current: SessionId) -> SessionView {
        SessionView {
            current: session.id == current,
            id: session.id,
            created_at: session.created_at,
            expires_at: session.expires_at,
            last_used_at: session.last_used_at,
            mfa_at: session.mfa_at,
            address: session.address,
            user_agent: session.user_agent,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = grants, check_for_backend(diesel::pg::Pg))]
pub struct Grant {
    pub id: GrantId,
    pub user_id: UserId,
    pub role: Role,
    pub organization_id: OrganizationId,
    pub granted_by: Option<UserId>,
    pub granted_at: DateTime<Utc>,
}

/// A grant with the path of its organization: the subtree it covers.
#[derive(Debug, Clone, QueryableByName)]
pub struct GrantScope {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub grant_id: GrantId,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub role: Role,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub organization_id: OrganizationId,
    #[diesel(sql_type = crate::db::schema::sql_types::Ltree)]
    pub path: TreePath,
    /// For party roles (and system_admin): the party subtrees covered, those
    /// of the party organizations attached inside `path` (decision 0020).
    #[diesel(sql_type = diesel::sql_types::Array<crate::db::schema::sql_types::Ltree>)]
    pub party_paths: Vec<TreePath>,
}

/// Who is behind a bearer token, as `odb_caller` resolves it in one
/// statement: the live session, its account and level policy, and every
/// grant (the five arrays list the grants' fields in the same order).
#[derive(Debug, Clone, QueryableByName)]
pub struct CallerRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub session_id: SessionId,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub user_id: UserId,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub username: String,
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub mfa_at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub step_up_max_age_seconds: i32,
    #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Uuid>)]
    pub grant_ids: Vec<GrantId>,
    #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Text>)]
    pub roles: Vec<Role>,
    #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Uuid>)]
    pub organization_ids: Vec<OrganizationId>,
    #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Text>)]
    pub paths: Vec<String>,
    /// Per grant, the party subtrees it covers, joined by ','.
    #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Text>)]
    pub party_paths: Vec<String>,
}

impl CallerRow {
    /// The grants, each with the subtree it covers.
    pub fn grants(&self) -> AppResult<Vec<GrantScope>> {
        let count = self.grant_ids.len();
        if [
            self.roles.len(),
            self.organization_ids.len(),
            self.paths.len(),
            self.party_paths.len(),
        ] != [count; 4]
        {
            return Err(AppError::Internal(
                "odb_caller returned uneven grants".into(),
            ));
        }
        Ok((0..count)
            .map(|i| GrantScope {
                grant_id: self.grant_ids[i],
                role: self.roles[i],
                organization_id: self.organization_ids[i],
                path: TreePath(self.paths[i].clone()),
                party_paths: self.party_paths[i]
                    .split(',')
                    .filter(|p| !p.is_empty())
                    .map(|p| TreePath(p.to_owned()))
                    .collect(),
            })
            .collect())
    }
}

/// A grant as `GET /auth/me` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct GrantView {
    pub id: GrantId,
    pub role: Role,
    pub organization_id: OrganizationId,
}

impl From<&GrantScope> for GrantView {
    fn from(grant: &GrantScope) -> Self {
        GrantView {
            id: grant.grant_id,
            role: grant.role,
            organization_id: grant.organization_id,
        }
    }
}

/// `GET /auth/me`: the account, its grants and how fresh its second factor is.
#[derive(Debug, Clone, Serialize)]
pub struct Me {
    pub user: UserView,
    pub grants: Vec<GrantView>,
    pub mfa_at: DateTime<Utc>,
    pub step_up_max_age_seconds: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = level_policies, check_for_backend(diesel::pg::Pg))]
pub struct LevelPolicy {
    pub level: Level,
    pub session_lifetime_seconds: i32,
    pub idle_timeout_seconds: i32,
    pub step_up_max_age_seconds: i32,
    pub sign_in_allowed: bool,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

/// The level named in `/policies/{level}`; any other word names no policy.
pub fn policy_level(text: &str) -> AppResult<Level> {
    Level::parse(text).ok_or(AppError::NotFound { entity: "policy" })
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

impl LevelPolicy {
    /// Takes the values of `input` as the next version.
    pub fn apply(&mut self, input: PolicyInput, now: DateTime<Utc>) {
        self.session_lifetime_seconds = input.session_lifetime_seconds;
        self.idle_timeout_seconds = input.idle_timeout_seconds;
        self.step_up_max_age_seconds = input.step_up_max_age_seconds;
        self.sign_in_allowed = input.sign_in_allowed;
        self.version += 1;
        self.updated_at = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accounts_and_sessions_print_without_their_secrets() {
        let now = Utc::now();
        let mut user = User::new(
            NewAccount {
                username: "printed".into(),
                display_name: "Printed".into(),
                home: OrganizationId::new_random(),
            },
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$HASHVALUE".into(),
            now,
        );
        user.totp_secret = Some(b"SEALEDSECRET".to_vec());
        let printed = format!("{user:?}");
        assert!(printed.contains("printed"), "{printed}");
        for secret in ["argon2id", "HASHVALUE", "83, 69, 65, 76"] {
            assert!(!printed.contains(secret), "{printed}");
        }
        let session = Session {
            id: SessionId::new_random(),
            token_hash: vec![0xAB; 32],
            user_id: user.id,
            created_at: now,
            expires_at: now,
            last_used_at: now,
            mfa_at: now,
            address: None,
            user_agent: None,
            revoked_at: None,
        };
        let printed = format!("{session:?}");
        assert!(printed.contains("expires_at"), "{printed}");
        assert!(!printed.contains("171, 171"), "{printed}");
    }
}
