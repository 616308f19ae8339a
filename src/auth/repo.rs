//! SQL for accounts, sessions, grants and policies.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Nullable, Text, Uuid as SqlUuid};

use super::model::{CallerRow, Grant, GrantScope, LevelPolicy, Session, User};
use crate::db::ltree::TreePath;
use crate::db::schema::sql_types::Ltree;
use crate::db::schema::{
    address_failures, grants, level_policies, mfa_challenges, organizations, recovery_codes,
    sessions, users,
};
use crate::ids::{GrantId, OrganizationId, SessionId, UserId};
use crate::org::model::Level;

pub fn user_by_name(conn: &mut PgConnection, username: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::username.eq(username))
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn user(conn: &mut PgConnection, id: UserId) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .optional()
}

pub fn user_for_update(conn: &mut PgConnection, id: UserId) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn insert_user(conn: &mut PgConnection, user: &User) -> QueryResult<()> {
    diesel::insert_into(users::table)
        .values(user)
        .execute(conn)
        .map(drop)
}

pub fn save_user(conn: &mut PgConnection, user: &User) -> QueryResult<()> {
    diesel::update(users::table.find(user.id))
        .set(user)
        .execute(conn)
        .map(drop)
}

/// Stores an account's sealed TOTP secret (`None`: no second factor).
pub fn set_totp_secret(
    conn: &mut PgConnection,
    user: UserId,
    sealed: Option<&[u8]>,
) -> QueryResult<()> {
    diesel::update(users::table.find(user))
        .set(users::totp_secret.eq(sealed))
        .execute(conn)
        .map(drop)
}

/// Accounts whose home organization lies inside one of `roots`, by username.
pub fn users_under(conn: &mut PgConnection, roots: &[TreePath]) -> QueryResult<Vec<User>> {
    let homes = organizations::table
        .filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("organizations.path <@ ANY(")
                .bind::<Array<Ltree>, _>(roots.to_vec())
                .sql(")"),
        )
        .select(organizations::id);
    users::table
        .filter(users::home_organization_id.eq_any(homes))
        .order(users::username)
        .select(User::as_select())
        .load(conn)
}

/// Where an organization sits in the tree, if the scope lets it be seen.
pub fn organization_path(
    conn: &mut PgConnection,
    org: OrganizationId,
) -> QueryResult<Option<TreePath>> {
    organizations::table
        .find(org)
        .select(organizations::path)
        .first(conn)
        .optional()
}

/// The organization with this code, or the root when `code` is `None`.
pub fn organization_by_code(
    conn: &mut PgConnection,
    code: Option<&str>,
) -> QueryResult<Option<(OrganizationId, TreePath)>> {
    let query = organizations::table.into_boxed();
    let query = match code {
        Some(code) => query.filter(organizations::code.eq(code.to_owned())),
        None => query.filter(organizations::parent_id.is_null()),
    };
    query
        .select((organizations::id, organizations::path))
        .first(conn)
        .optional()
}

/// The level of an organization, readable before any scope is set.
pub fn organization_level(
    conn: &mut PgConnection,
    org: OrganizationId,
) -> QueryResult<Option<Level>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Nullable<Text>)]
        level: Option<Level>,
    }
    let row: Row = diesel::sql_query("SELECT odb_organization_level($1) AS level")
        .bind::<SqlUuid, _>(org)
        .get_result(conn)?;
    Ok(row.level)
}

/// Every grant of a user with the path it covers, read fresh on each request.
pub fn grant_scopes(conn: &mut PgConnection, user: UserId) -> QueryResult<Vec<GrantScope>> {
    diesel::sql_query(
        "SELECT grant_id, role, organization_id, path, party_paths FROM odb_grant_scopes($1)",
    )
    .bind::<SqlUuid, _>(user)
    .load(conn)
}

pub fn grants_of(conn: &mut PgConnection, user: UserId) -> QueryResult<Vec<Grant>> {
    grants::table
        .filter(grants::user_id.eq(user))
        .order((grants::role, grants::granted_at))
        .select(Grant::as_select())
        .load(conn)
}

pub fn insert_grant(conn: &mut PgConnection, grant: &Grant) -> QueryResult<usize> {
    diesel::insert_into(grants::table)
        .values(grant)
        .on_conflict_do_nothing()
        .execute(conn)
}

pub fn grant(conn: &mut PgConnection, id: GrantId) -> QueryResult<Option<Grant>> {
    grants::table
        .find(id)
        .select(Grant::as_select())
        .first(conn)
        .optional()
}

pub fn delete_grant(conn: &mut PgConnection, id: GrantId) -> QueryResult<usize> {
    diesel::delete(grants::table.find(id)).execute(conn)
}

pub fn policy(conn: &mut PgConnection, level: Level) -> QueryResult<Option<LevelPolicy>> {
    level_policies::table
        .find(level)
        .select(LevelPolicy::as_select())
        .first(conn)
        .optional()
}

pub fn policies(conn: &mut PgConnection) -> QueryResult<Vec<LevelPolicy>> {
    level_policies::table
        .select(LevelPolicy::as_select())
        .load(conn)
}

pub fn save_policy(conn: &mut PgConnection, policy: &LevelPolicy) -> QueryResult<()> {
    diesel::update(level_policies::table.find(&policy.level))
        .set(policy)
        .execute(conn)
        .map(drop)
}

pub fn insert_challenge(
    conn: &mut PgConnection,
    hash: &[u8],
    user: UserId,
    expires: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(mfa_challenges::table)
        .values((
            mfa_challenges::token_hash.eq(hash),
            mfa_challenges::user_id.eq(user),
            mfa_challenges::expires_at.eq(expires),
        ))
        .execute(conn)
        .map(drop)
}

/// The user of an unused, unexpired challenge, locked until the transaction ends.
pub fn open_challenge(
    conn: &mut PgConnection,
    hash: &[u8],
    now: DateTime<Utc>,
) -> QueryResult<Option<UserId>> {
    mfa_challenges::table
        .filter(mfa_challenges::token_hash.eq(hash))
        .filter(mfa_challenges::used.eq(false))
        .filter(mfa_challenges::expires_at.gt(now))
        .select(mfa_challenges::user_id)
        .for_update()
        .first(conn)
        .optional()
}

pub fn consume_challenge(conn: &mut PgConnection, hash: &[u8]) -> QueryResult<()> {
    diesel::update(mfa_challenges::table.find(hash))
        .set(mfa_challenges::used.eq(true))
        .execute(conn)
        .map(drop)
}

pub fn insert_session(conn: &mut PgConnection, session: &Session) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values(session)
        .execute(conn)
        .map(drop)
}

/// The caller behind a token's hash, checked against its session, account
/// and level policy, its use recorded: one statement (`odb_caller`).
pub fn caller(
    conn: &mut PgConnection,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> QueryResult<Option<CallerRow>> {
    diesel::sql_query("SELECT * FROM odb_caller($1, $2)")
        .bind::<diesel::sql_types::Bytea, _>(token_hash)
        .bind::<diesel::sql_types::Timestamptz, _>(now)
        .get_result(conn)
        .optional()
}

pub fn set_session_mfa(
    conn: &mut PgConnection,
    id: SessionId,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(sessions::table.find(id))
        .set(sessions::mfa_at.eq(now))
        .execute(conn)
        .map(drop)
}

pub fn sessions_of(
    conn: &mut PgConnection,
    user: UserId,
    now: DateTime<Utc>,
) -> QueryResult<Vec<Session>> {
    sessions::table
        .filter(sessions::user_id.eq(user))
        .filter(sessions::revoked_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .order(sessions::created_at.desc())
        .select(Session::as_select())
        .load(conn)
}

/// Revokes one session of `user`, or all of them when `id` is `None`.
pub fn revoke_sessions(
    conn: &mut PgConnection,
    user: UserId,
    id: Option<SessionId>,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let mut target = diesel::update(sessions::table)
        .filter(sessions::user_id.eq(user))
        .filter(sessions::revoked_at.is_null())
        .into_boxed();
    if let Some(id) = id {
        target = target.filter(sessions::id.eq(id));
    }
    target.set(sessions::revoked_at.eq(now)).execute(conn)
}

pub fn replace_recovery_codes(
    conn: &mut PgConnection,
    user: UserId,
    hashes: &[String],
) -> QueryResult<()> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user))).execute(conn)?;
    let rows: Vec<_> = hashes
        .iter()
        .map(|h| {
            (
                recovery_codes::user_id.eq(user),
                recovery_codes::code_hash.eq(h),
            )
        })
        .collect();
    diesel::insert_into(recovery_codes::table)
        .values(rows)
        .execute(conn)
        .map(drop)
}

/// Marks an unused recovery code used; false when there is none.
pub fn use_recovery_code(
    conn: &mut PgConnection,
    user: UserId,
    hash: &str,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::update(
        recovery_codes::table
            .filter(recovery_codes::user_id.eq(user))
            .filter(recovery_codes::code_hash.eq(hash))
            .filter(recovery_codes::used_at.is_null()),
    )
    .set(recovery_codes::used_at.eq(now))
    .execute(conn)
    .map(|n| n == 1)
}

/// Counts a failure from `address` in the current window and returns the count.
pub fn count_address_failure(
    conn: &mut PgConnection,
    address: &str,
    window_start_after: DateTime<Utc>,
    now: DateTime<Utc>,
) -> QueryResult<i32> {
    diesel::sql_query(
        "INSERT INTO address_failures (address, failures, window_start) VALUES ($1, 1, $3) \
         ON CONFLICT (address) DO UPDATE SET \
           failures = CASE WHEN address_failures.window_start > $2 THEN address_failures.failures + 1 ELSE 1 END, \
           window_start = CASE WHEN address_failures.window_start > $2 THEN address_failures.window_start ELSE $3 END \
         RETURNING failures",
    )
    .bind::<Text, _>(address)
    .bind::<diesel::sql_types::Timestamptz, _>(window_start_after)
    .bind::<diesel::sql_types::Timestamptz, _>(now)
    .get_result::<Failures>(conn)
    .map(|row| row.failures)
}

#[derive(QueryableByName)]
pub struct Failures {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub failures: i32,
}

/// Failures from `address` in the window that began after `window_start_after`.
pub fn address_failures(
    conn: &mut PgConnection,
    address: &str,
    window_start_after: DateTime<Utc>,
) -> QueryResult<(i32, Option<DateTime<Utc>>)> {
    let row: Option<(i32, DateTime<Utc>)> = address_failures::table
        .find(address)
        .filter(address_failures::window_start.gt(window_start_after))
        .select((address_failures::failures, address_failures::window_start))
        .first(conn)
        .optional()?;
    Ok(row.map(|(n, start)| (n, Some(start))).unwrap_or((0, None)))
}
