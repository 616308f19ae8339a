//! Administering accounts, grants and level policies, always within the
//! administrator's own scope and never beyond the roles they hold.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::caller::Caller;
use super::model::{Grant, LevelPolicy, PolicyInput, Role, User, UserStatus, UserView};
use super::{password, repo, totp};
use crate::audit;
use crate::context::Scope;
use crate::db::ltree::TreePath;
use crate::error::{AppError, AppResult};
use crate::org::model::Level;
use crate::org::service::get as get_organization;
use crate::validation::validated;

#[derive(Debug, Deserialize, validator::Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    #[validate(regex(path = *USERNAME, message = "3 to 64 lower-case letters, digits, '.', '_' or '-'"))]
    pub username: String,
    #[validate(length(min = 1, max = 200))]
    pub display_name: String,
    pub home_organization_id: Uuid,
}

static USERNAME: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"^[a-z0-9][a-z0-9._-]{2,63}$")
        .unwrap_or_else(|e| panic!("username pattern: {e}"))
});

#[derive(Debug, Serialize)]
pub struct CreatedUser {
    pub user: UserView,
    /// Shown once; the user enrolls a second factor at first sign-in.
    pub initial_password: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    pub display_name: Option<String>,
    /// `active` (also unlocks) or `disabled` (ends every session).
    pub status: Option<UserStatus>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantInput {
    pub role: Role,
    pub organization_id: Uuid,
}

/// Refuses to change an account that holds a role the administrator does not
/// hold over the same subtree (an org_admin cannot disable a system_admin).
fn outranks(conn: &mut PgConnection, caller: &Caller, user: Uuid) -> AppResult<()> {
    for grant in repo::grant_scopes(conn, user)? {
        let role = Role::parse(&grant.role)
            .ok_or_else(|| AppError::Internal("unknown role stored".into()))?;
        if !caller.holds(role, &grant.path) {
            return Err(AppError::Forbidden(format!(
                "the account holds {role} where you do not; ask an administrator who does"
            )));
        }
    }
    Ok(())
}

/// The user, if the administrator's scope covers their home organization (404 otherwise).
fn user_in_scope(conn: &mut PgConnection, scope: &Scope, id: Uuid) -> AppResult<(User, TreePath)> {
    let user = repo::user(conn, id)?.ok_or(AppError::NotFound { entity: "user" })?;
    let home = get_organization(conn, user.home_organization_id.into())
        .map_err(|_| AppError::NotFound { entity: "user" })?;
    if !scope.can_write(&home.path) {
        return Err(AppError::NotFound { entity: "user" });
    }
    Ok((user, home.path))
}

pub fn new_user(
    username: String,
    display_name: String,
    home: Uuid,
    password_hash: String,
    now: DateTime<Utc>,
) -> User {
    User {
        id: Uuid::new_v4(),
        username,
        display_name,
        home_organization_id: home,
        status: UserStatus::Active.as_str().to_owned(),
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

pub fn create_user(
    conn: &mut PgConnection,
    caller: &Caller,
    scope: &Scope,
    input: CreateUser,
    now: DateTime<Utc>,
) -> AppResult<CreatedUser> {
    validated(&input)?;
    let home = get_organization(conn, input.home_organization_id.into())
        .map_err(|_| AppError::invalid("home_organization_id", "no such organization"))?;
    if !scope.can_write(&home.path) {
        return Err(AppError::invalid(
            "home_organization_id",
            "no such organization",
        ));
    }
    if repo::user_by_name(conn, &input.username)?.is_some() {
        return Err(AppError::conflict(
            "username-taken",
            format!("the username {} is taken", input.username),
        ));
    }
    let initial_password = password::generate();
    let hash = password::hash(&initial_password).map_err(|e| AppError::Internal(e.to_string()))?;
    let user = new_user(
        input.username,
        input.display_name,
        home.id.into(),
        hash,
        now,
    );
    repo::insert_user(conn, &user)?;
    let fields = vec![
        "username".into(),
        "display_name".into(),
        "home_organization_id".into(),
    ];
    audit::append(
        conn,
        &caller.event(
            "user.create",
            "user",
            Some(user.id.to_string()),
            Some(home.path),
            fields,
        ),
        now,
    )?;
    Ok(CreatedUser {
        user: UserView::from(&user),
        initial_password,
    })
}

pub fn list_users(conn: &mut PgConnection, scope: &Scope) -> AppResult<Vec<UserView>> {
    use crate::db::schema::organizations as o;
    let Scope::Paths { write, .. } = scope else {
        return Err(AppError::Internal(
            "list_users needs a caller's scope".into(),
        ));
    };
    let mut ids = Vec::new();
    for root in write {
        let under: Vec<Uuid> = o::table
            .filter(
                diesel::dsl::sql::<diesel::sql_types::Bool>("path <@ ")
                    .bind::<crate::db::schema::sql_types::Ltree, _>(root.clone()),
            )
            .select(o::id)
            .load(conn)?;
        ids.extend(under);
    }
    Ok(repo::users_in(conn, &ids)?
        .iter()
        .map(UserView::from)
        .collect())
}

pub fn get_user(conn: &mut PgConnection, scope: &Scope, id: Uuid) -> AppResult<UserView> {
    Ok(UserView::from(&user_in_scope(conn, scope, id)?.0))
}

pub fn update_user(
    conn: &mut PgConnection,
    caller: &Caller,
    scope: &Scope,
    id: Uuid,
    version: i32,
    input: UpdateUser,
    now: DateTime<Utc>,
) -> AppResult<UserView> {
    let (mut user, path) = user_in_scope(conn, scope, id)?;
    outranks(conn, caller, user.id)?;
    if user.version != version {
        return Err(AppError::StaleVersion {
            expected: version,
            current: user.version,
        });
    }
    let mut fields = Vec::new();
    if let Some(name) = input.display_name {
        if !(1..=200).contains(&name.chars().count()) {
            return Err(AppError::invalid(
                "display_name",
                "must be 1 to 200 characters",
            ));
        }
        user.display_name = name;
        fields.push("display_name".to_owned());
    }
    match input.status {
        Some(UserStatus::Locked) => {
            return Err(AppError::invalid(
                "status",
                "accounts lock themselves; set active or disabled",
            ))
        }
        Some(UserStatus::Disabled) => {
            user.status = UserStatus::Disabled.as_str().to_owned();
            repo::revoke_sessions(conn, user.id, None, now)?;
            fields.push("status".to_owned());
        }
        Some(UserStatus::Active) => {
            unlock(&mut user);
            fields.push("status".to_owned());
        }
        None => {}
    }
    user.version += 1;
    user.updated_at = now;
    repo::save_user(conn, &user)?;
    audit::append(
        conn,
        &caller.event(
            "user.update",
            "user",
            Some(user.id.to_string()),
            Some(path),
            fields,
        ),
        now,
    )?;
    Ok(UserView::from(&user))
}

pub fn unlock(user: &mut User) {
    user.status = UserStatus::Active.as_str().to_owned();
    user.failed_attempts = 0;
    user.locked_until = None;
}

pub fn revoke_user_sessions(
    conn: &mut PgConnection,
    caller: &Caller,
    scope: &Scope,
    id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<usize> {
    let (user, path) = user_in_scope(conn, scope, id)?;
    outranks(conn, caller, user.id)?;
    let revoked = repo::revoke_sessions(conn, user.id, None, now)?;
    audit::append(
        conn,
        &caller.event(
            "user.revoke_sessions",
            "user",
            Some(user.id.to_string()),
            Some(path),
            Vec::new(),
        ),
        now,
    )?;
    Ok(revoked)
}

pub fn list_grants(conn: &mut PgConnection, scope: &Scope, user: Uuid) -> AppResult<Vec<Grant>> {
    user_in_scope(conn, scope, user)?;
    Ok(repo::grants_of(conn, user)?)
}

/// Nobody grants a role they do not hold, or over a subtree wider than the
/// one where they hold it and administer accounts.
fn may_grant(caller: &Caller, scope: &Scope, role: Role, path: &TreePath) -> AppResult<()> {
    if !scope.can_read(path) {
        return Err(AppError::invalid("organization_id", "no such organization"));
    }
    if !scope.can_write(path) || !caller.holds(role, path) {
        return Err(AppError::Forbidden(format!(
            "you cannot grant {role} there: you do not hold it over that organization"
        )));
    }
    Ok(())
}

pub fn add_grant(
    conn: &mut PgConnection,
    caller: &Caller,
    scope: &Scope,
    user: Uuid,
    input: GrantInput,
    now: DateTime<Utc>,
) -> AppResult<Grant> {
    let (target, user_path) = user_in_scope(conn, scope, user)?;
    outranks(conn, caller, target.id)?;
    let org = get_organization(conn, input.organization_id.into())
        .map_err(|_| AppError::invalid("organization_id", "no such organization"))?;
    may_grant(caller, scope, input.role, &org.path)?;
    let grant = Grant {
        id: Uuid::new_v4(),
        user_id: target.id,
        role: input.role.as_str().to_owned(),
        organization_id: org.id.into(),
        granted_by: Some(caller.user_id),
        granted_at: now,
    };
    if repo::insert_grant(conn, &grant)? == 0 {
        return Err(AppError::conflict(
            "grant-exists",
            "the user already holds this role there",
        ));
    }
    let fields = vec!["role".into(), "organization_id".into()];
    audit::append(
        conn,
        &caller.event(
            "grant.add",
            "user",
            Some(target.id.to_string()),
            Some(user_path),
            fields,
        ),
        now,
    )?;
    Ok(grant)
}

pub fn remove_grant(
    conn: &mut PgConnection,
    caller: &Caller,
    scope: &Scope,
    user: Uuid,
    grant_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let (_, user_path) = user_in_scope(conn, scope, user)?;
    outranks(conn, caller, user)?;
    let grant = repo::grant(conn, grant_id)?
        .filter(|g| g.user_id == user)
        .ok_or(AppError::NotFound { entity: "grant" })?;
    let org = get_organization(conn, grant.organization_id.into())
        .map_err(|_| AppError::NotFound { entity: "grant" })?;
    let role =
        Role::parse(&grant.role).ok_or_else(|| AppError::Internal("unknown role stored".into()))?;
    may_grant(caller, scope, role, &org.path)?;
    repo::delete_grant(conn, grant.id)?;
    let fields = vec!["role".into(), "organization_id".into()];
    audit::append(
        conn,
        &caller.event(
            "grant.remove",
            "user",
            Some(user.to_string()),
            Some(user_path),
            fields,
        ),
        now,
    )?;
    Ok(())
}

pub fn put_policy(
    conn: &mut PgConnection,
    caller: &Caller,
    level: &str,
    version: i32,
    input: PolicyInput,
    now: DateTime<Utc>,
) -> AppResult<LevelPolicy> {
    let level = Level::parse(level).ok_or(AppError::NotFound { entity: "policy" })?;
    validated(&input)?;
    let mut policy =
        repo::policy(conn, level.as_str())?.ok_or(AppError::NotFound { entity: "policy" })?;
    if policy.version != version {
        return Err(AppError::StaleVersion {
            expected: version,
            current: policy.version,
        });
    }
    policy.session_lifetime_seconds = input.session_lifetime_seconds;
    policy.idle_timeout_seconds = input.idle_timeout_seconds;
    policy.step_up_max_age_seconds = input.step_up_max_age_seconds;
    policy.sign_in_allowed = input.sign_in_allowed;
    policy.version += 1;
    policy.updated_at = now;
    repo::save_policy(conn, &policy)?;
    let fields = vec![
        "session_lifetime_seconds".into(),
        "idle_timeout_seconds".into(),
        "step_up_max_age_seconds".into(),
        "sign_in_allowed".into(),
    ];
    audit::append(
        conn,
        &caller.event(
            "policy.update",
            "level_policy",
            Some(level.to_string()),
            None,
            fields,
        ),
        now,
    )?;
    Ok(policy)
}

/// What `odb user create` prints: everything a person or script needs to sign in.
#[derive(Debug, Serialize)]
pub struct Bootstrap {
    pub username: String,
    pub password: String,
    pub totp_secret: String,
    pub otpauth_url: String,
}

/// Creates an enrolled account with grants at its home organization (command line, as the owner).
pub fn bootstrap_user(
    conn: &mut PgConnection,
    username: &str,
    org_code: Option<&str>,
    roles: &[Role],
    now: DateTime<Utc>,
) -> AppResult<Bootstrap> {
    conn.transaction(|conn| {
        let home = match org_code {
            Some(code) => crate::org::service::find_by_code(conn, code)
                .map_err(|_| AppError::invalid("org", format!("no organization has code {code}")))?,
            None => crate::org::repo::root(conn)?.ok_or_else(|| AppError::invalid("org", "the tree has no root yet; load it first"))?,
        };
        let input = CreateUser { username: username.to_owned(), display_name: username.to_owned(), home_organization_id: home.id.into() };
        validated(&input)?;
        if repo::user_by_name(conn, username)?.is_some() {
            return Err(AppError::conflict("username-taken", format!("the username {username} is taken")));
        }
        let password = password::generate();
        let hash = password::hash(&password).map_err(|e| AppError::Internal(e.to_string()))?;
        let mut user = new_user(input.username, input.display_name, home.id.into(), hash, now);
        let secret = totp::new_secret();
        user.totp_secret = Some(secret.clone());
        user.totp_confirmed = true;
        repo::insert_user(conn, &user)?;
        for role in roles {
            let grant = Grant { id: Uuid::new_v4(), user_id: user.id, role: role.as_str().to_owned(), organization_id: home.id.into(), granted_by: None, granted_at: now };
            repo::insert_grant(conn, &grant)?;
        }
        let event = audit::AuditEvent {
            actor_id: None,
            actor: Some("odb user create".to_owned()),
            action: "user.create".to_owned(),
            entity_type: Some("user".to_owned()),
            entity_id: Some(user.id.to_string()),
            organization_path: Some(home.path.clone()),
            fields: vec!["username".into(), "roles".into()],
            outcome: "success".to_owned(),
            address: None,
            request_id: None,
            details: serde_json::json!({ "roles": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>() }),
        };
        audit::append(conn, &event, now)?;
        let otpauth_url = totp::otpauth_url(&secret, username).map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(Bootstrap { username: username.to_owned(), password, totp_secret: secret, otpauth_url })
    })
}

/// `odb user reset-mfa` and `odb user unlock`: by username, as the owner.
pub fn reset_mfa(conn: &mut PgConnection, username: &str, now: DateTime<Utc>) -> AppResult<()> {
    change_by_name(conn, username, "user.reset_mfa", now, |conn, user| {
        user.totp_secret = None;
        user.totp_confirmed = false;
        user.totp_last_step = None;
        repo::replace_recovery_codes(conn, user.id, &[])?;
        repo::revoke_sessions(conn, user.id, None, now)?;
        Ok(())
    })
}

pub fn unlock_by_name(
    conn: &mut PgConnection,
    username: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    change_by_name(conn, username, "user.unlock", now, |_, user| {
        unlock(user);
        Ok(())
    })
}

fn change_by_name(
    conn: &mut PgConnection,
    username: &str,
    action: &str,
    now: DateTime<Utc>,
    change: impl FnOnce(&mut PgConnection, &mut User) -> AppResult<()>,
) -> AppResult<()> {
    conn.transaction(|conn| {
        let mut user =
            repo::user_by_name(conn, username)?.ok_or(AppError::NotFound { entity: "user" })?;
        change(conn, &mut user)?;
        user.version += 1;
        user.updated_at = now;
        repo::save_user(conn, &user)?;
        let event = audit::AuditEvent {
            actor_id: None,
            actor: Some(format!("odb {}", action.replace('.', " "))),
            action: action.to_owned(),
            entity_type: Some("user".to_owned()),
            entity_id: Some(user.id.to_string()),
            organization_path: None,
            fields: Vec::new(),
            outcome: "success".to_owned(),
            address: None,
            request_id: None,
            details: serde_json::json!({}),
        };
        audit::append(conn, &event, now)
    })
}
