//! The TOTP secret at rest: sealed with the keyring like the other sensitive
//! columns and bound to the account's row, so that whoever reads `users`
//! (a database administrator, a stolen backup) cannot mint codes, and a
//! secret copied onto another account does not open there.

use diesel::pg::PgConnection;
use diesel::sql_types::{Array, Bool, Bytea, Text, Uuid as SqlUuid};
use diesel::{Connection, QueryableByName, RunQueryDsl};
use uuid::Uuid;

use super::model::User;
use super::repo;
use crate::context::Ctx;
use crate::crypto::Keyring;
use crate::error::AppResult;
use crate::ids::UserId;

/// Where the sealed secret lives, as its associated data names it.
pub const TABLE: &str = "users";
pub const COLUMN: &str = "totp_secret";
/// Where a database from before sealing keeps its secrets until the first
/// start with the master key (migration 000008).
const PLAINTEXT_COLUMN: &str = "totp_secret_plaintext";

/// The secret sealed for `user`'s row, under the active data key.
pub fn seal(ctx: &mut Ctx, user: UserId, secret: &str) -> AppResult<Vec<u8>> {
    let sealer = ctx.keyring.sealer(ctx.conn)?;
    Ok(sealer.seal_str(TABLE, COLUMN, user.into(), secret)?)
}

/// Seals and stores a new secret for `user`.
pub fn store(ctx: &mut Ctx, user: &mut User, secret: &str) -> AppResult<()> {
    let sealed = seal(ctx, user.id, secret)?;
    repo::set_totp_secret(ctx.conn, user.id, Some(&sealed))?;
    user.totp_secret = Some(sealed);
    Ok(())
}

/// The account's secret in clear, to check a code or repeat an enrollment.
pub fn open(ctx: &mut Ctx, user: &User) -> AppResult<Option<String>> {
    let Some(sealed) = &user.totp_secret else {
        return Ok(None);
    };
    Ok(Some(ctx.keyring.open_string(
        ctx.conn,
        TABLE,
        COLUMN,
        user.id.into(),
        sealed,
    )?))
}

#[derive(QueryableByName)]
struct Exists {
    #[diesel(sql_type = Bool)]
    exists: bool,
}

#[derive(QueryableByName)]
struct Plaintext {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    secret: String,
}

fn plaintext_column_exists(conn: &mut PgConnection) -> AppResult<bool> {
    let row: Exists = diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2) AS exists",
    )
    .bind::<Text, _>(TABLE)
    .bind::<Text, _>(PLAINTEXT_COLUMN)
    .get_result(conn)?;
    Ok(row.exists)
}

/// Seals the TOTP secrets a database from before sealing still holds in
/// plaintext, then drops the plaintext column, in one transaction: after
/// the first start with the master key, none remains. Every command that
/// opens the keyring runs it first (as the owner); returns how many it sealed.
pub fn seal_plaintext(owner: &mut PgConnection, keyring: &Keyring) -> AppResult<usize> {
    if !plaintext_column_exists(owner)? {
        return Ok(0);
    }
    owner.transaction(|conn| {
        // Sign-ins wait; another process starting at once finds the work done.
        diesel::sql_query("LOCK TABLE users IN ACCESS EXCLUSIVE MODE").execute(conn)?;
        if !plaintext_column_exists(conn)? {
            return Ok(0);
        }
        let rows: Vec<Plaintext> = diesel::sql_query(format!(
            "SELECT id, {PLAINTEXT_COLUMN} AS secret FROM users WHERE {PLAINTEXT_COLUMN} IS NOT NULL"
        ))
        .load(conn)?;
        let sealer = keyring.sealer(conn)?;
        let sealed = rows
            .iter()
            .map(|row| sealer.seal_str(TABLE, COLUMN, row.id, &row.secret))
            .collect::<Result<Vec<_>, _>>()?;
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        diesel::sql_query(
            "UPDATE users u SET totp_secret = v.sealed \
             FROM unnest($1::uuid[], $2::bytea[]) AS v(id, sealed) WHERE u.id = v.id",
        )
        .bind::<Array<SqlUuid>, _>(ids)
        .bind::<Array<Bytea>, _>(sealed)
        .execute(conn)?;
        diesel::sql_query(format!("ALTER TABLE users DROP COLUMN {PLAINTEXT_COLUMN}"))
            .execute(conn)?;
        tracing::info!(sealed = rows.len(), "TOTP secrets sealed; the plaintext column is gone");
        Ok(rows.len())
    })
}

/// How many TOTP secrets wait in plaintext for the first start with the
/// master key (`odb migrate` without one says so).
pub fn plaintext_left(conn: &mut PgConnection) -> AppResult<i64> {
    if !plaintext_column_exists(conn)? {
        return Ok(0);
    }
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let count: Count = diesel::sql_query(format!(
        "SELECT count(*) AS n FROM users WHERE {PLAINTEXT_COLUMN} IS NOT NULL"
    ))
    .get_result(conn)?;
    Ok(count.n)
}
