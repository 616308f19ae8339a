//! Connection pool, embedded migrations, and the private PostgreSQL launcher.

pub mod launcher;
pub mod ltree;
pub mod replica;
pub mod request;
pub mod schema;
pub mod sql;

use std::sync::Arc;
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PoolError, PooledConnection};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::Connection;
use diesel::RunQueryDsl;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::context::Scope;
use crate::error::{AppError, AppResult};
use crate::ids::UserId;
use ltree::TreePath;
pub use replica::ReadReplica;
use replica::Watched;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

pub type PgConn = PooledConnection<ConnectionManager<PgConnection>>;

/// The database role the service works as: it owns no table and cannot
/// bypass row-level security (see the access migration).
pub const APP_ROLE: &str = "odb_app";

#[derive(Debug)]
struct AsAppRole;

impl CustomizeConnection<PgConnection, diesel::r2d2::Error> for AsAppRole {
    fn on_acquire(&self, conn: &mut PgConnection) -> Result<(), diesel::r2d2::Error> {
        diesel::sql_query(format!("SET ROLE {APP_ROLE}"))
            .execute(conn)
            .map(drop)
            .map_err(diesel::r2d2::Error::QueryError)
    }
}

/// The service's pool: every connection works as `odb_app`. Nothing tests a
/// connection when it is taken (that was a `SELECT 1` round trip per
/// checkout): the first statement a request sends on it finds out instead
/// (`Db`).
#[derive(Clone)]
pub struct PgPool {
    pool: Pool<ConnectionManager<PgConnection>>,
    url: Arc<str>,
}

pub fn build_pool(database_url: &str, max_size: u32) -> anyhow::Result<PgPool> {
    let manager = ConnectionManager::<PgConnection>::new(database_url);
    let pool = Pool::builder()
        .max_size(max_size)
        .connection_timeout(Duration::from_secs(10))
        .test_on_check_out(false)
        .connection_customizer(Box::new(AsAppRole))
        .build(manager)?;
    Ok(PgPool {
        pool,
        url: database_url.into(),
    })
}

impl PgPool {
    pub fn get(&self) -> Result<PgConn, PoolError> {
        self.pool.get()
    }

    /// Runs `first`, the first statements sent on a connection taken from
    /// the pool. A connection the server closed while it sat idle (a
    /// restart, a terminated session) fails there; it is then replaced in
    /// place, so it does not go back to the pool dead, and `first` is tried
    /// once more. What `first` sends is safe to send twice: the caller's
    /// lookup, or the `BEGIN` of a transaction nothing has been done in.
    fn first_use<T>(
        &self,
        conn: &mut PgConn,
        first: impl Fn(&mut PgConnection) -> AppResult<T>,
    ) -> AppResult<T> {
        match first(conn) {
            Err(error) if is_closed(&error) => {
                tracing::warn!("a pooled database connection was closed; reconnecting");
                self.reconnect(conn)?;
                first(conn)
            }
            other => other,
        }
    }

    fn reconnect(&self, conn: &mut PgConn) -> AppResult<()> {
        let unreachable = |e: String| AppError::Unavailable(format!("database unreachable: {e}"));
        let mut fresh =
            PgConnection::establish(&self.url).map_err(|e| unreachable(e.to_string()))?;
        AsAppRole
            .on_acquire(&mut fresh)
            .map_err(|e| unreachable(e.to_string()))?;
        **conn = fresh;
        Ok(())
    }
}

/// The error of a statement sent on a connection that is gone.
fn is_closed(error: &AppError) -> bool {
    matches!(
        error,
        AppError::Database(DieselError::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _
        ))
    )
}

/// Runs pending migrations on a direct connection (before the pool is built).
pub fn run_migrations(database_url: &str) -> anyhow::Result<Vec<String>> {
    let mut conn = PgConnection::establish(database_url)?;
    let applied = conn
        .run_pending_migrations(MIGRATIONS)
        .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
    Ok(applied.iter().map(|v| v.to_string()).collect())
}

/// The database work of a request, run off the actix workers on the blocking
/// pool, inside the request's tracing span, on the request's connection
/// (`request`) when it kept one.
#[derive(Clone)]
pub struct Db {
    pool: PgPool,
    watched: Arc<Watched>,
}

/// Where a request's transaction runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    /// On the primary: whatever may change something.
    Primary,
    /// A search, list or statistic that changes nothing, by this caller:
    /// on the read replica when it serves them now (decision 0033), on the
    /// primary otherwise.
    Replica(Option<UserId>),
}

impl Db {
    /// The service's database: `pool` on the primary, and the read replica
    /// if one is configured. Starts the watcher that follows both
    /// (`replica`), which ends when the last clone of this `Db` is dropped.
    pub fn new(pool: PgPool, replica: Option<ReadReplica>) -> Self {
        let watched = Watched::start(pool.clone(), replica);
        Db { pool, watched }
    }

    /// `caller` has just committed a change: its reads go to the primary
    /// until the replica has replayed it (read-your-writes).
    pub fn wrote(&self, caller: Option<UserId>) {
        if let (Some(replica), Some(caller)) = (&self.watched.replica, caller) {
            replica.wrote(caller);
        }
    }

    /// `work` on the request's connection, or on one from the pool.
    pub async fn run<T, F>(&self, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut PgConnection) -> AppResult<T> + Send + 'static,
    {
        let leased = request::take();
        self.blocking(move |pool| {
            let mut conn = leased.map_or_else(|| pool.get(), Ok)?;
            work(&mut conn)
        })
        .await
    }

    /// Who calls, found by `resolve` on a connection from the pool that is
    /// then kept for the rest of the request when `keep` (`request`).
    pub async fn resolve_caller<T, F>(&self, keep: bool, resolve: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: Fn(&mut PgConnection) -> AppResult<T> + Send + 'static,
    {
        let (caller, conn) = self
            .blocking(move |pool| {
                let mut conn = pool.get()?;
                let caller = pool.first_use(&mut conn, &resolve)?;
                Ok((caller, conn))
            })
            .await?;
        if keep {
            request::keep(conn);
        }
        Ok(caller)
    }

    /// `work` in one transaction that first sets `scope` for row-level
    /// security: all of it lands or none of it. `BEGIN` and the scope's
    /// settings go to PostgreSQL together, in one round trip. `work` answers
    /// its value and whether it changed anything: a change is confirmed on
    /// the synchronous standbys after the commit (`Committed`).
    pub async fn in_scope<T, F>(
        &self,
        scope: Scope,
        party_read: Vec<TreePath>,
        work: F,
    ) -> AppResult<Committed<T>>
    where
        T: Send + 'static,
        F: FnOnce(&mut PgConnection) -> AppResult<(T, bool)> + Send + 'static,
    {
        self.in_scope_on(Reads::Primary, scope, party_read, work)
            .await
    }

    /// `in_scope`, on the read replica when `reads` asks for it and the
    /// replica serves that caller now. Row-level security works there as on
    /// the primary: the scope is the one resolved on the primary, set in
    /// the same `BEGIN` batch. When the replica fails to open the
    /// transaction, the primary answers.
    pub async fn in_scope_on<T, F>(
        &self,
        reads: Reads,
        scope: Scope,
        party_read: Vec<TreePath>,
        work: F,
    ) -> AppResult<Committed<T>>
    where
        T: Send + 'static,
        F: FnOnce(&mut PgConnection) -> AppResult<(T, bool)> + Send + 'static,
    {
        let leased = request::take();
        let watched = self.watched.clone();
        self.blocking(move |pool| {
            let begin = scope.begin_sql(&party_read);
            let replica = match reads {
                Reads::Replica(caller) => watched.replica.as_ref().filter(|r| r.serves(caller)),
                Reads::Primary => None,
            };
            if let Some(mut conn) = replica.and_then(|replica| replica.begin(&begin)) {
                drop(leased);
                return finish_transaction(&mut conn, work, false);
            }
            let mut conn = leased.map_or_else(|| pool.get(), Ok)?;
            pool.first_use(&mut conn, |conn| begin_transaction(conn, &begin))?;
            finish_transaction(&mut conn, work, watched.sync_standbys())
        })
        .await
    }

    async fn blocking<T, F>(&self, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&PgPool) -> AppResult<T> + Send + 'static,
    {
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || span.in_scope(|| work(&pool)))
            .await
            .map_err(|e| AppError::Internal(format!("blocking task failed: {e}")))?
    }

    /// Reachable and with no pending migration. Compares versions itself:
    /// diesel's harness would try to create its table, which odb_app may not.
    pub async fn readiness(&self) -> AppResult<()> {
        let embedded = embedded_versions()?;
        self.run(move |conn| {
            let applied: Vec<String> =
                diesel::sql_query("SELECT version FROM __diesel_schema_migrations")
                    .load::<Version>(conn)?
                    .into_iter()
                    .map(|v| v.version)
                    .collect();
            let pending = embedded.iter().filter(|v| !applied.contains(v)).count();
            if pending == 0 {
                Ok(())
            } else {
                Err(AppError::Unavailable(format!(
                    "{pending} migration(s) pending"
                )))
            }
        })
        .await
    }
}

/// Opens a transaction with `sql` (`BEGIN` and what goes with it), as
/// diesel's transaction manager knows it.
fn begin_transaction(conn: &mut PgConnection, sql: &str) -> AppResult<()> {
    AnsiTransactionManager::begin_transaction_sql(conn, sql).map_err(|error| {
        // BEGIN may have run before a later statement of the batch failed:
        // no transaction may stay open on a pooled connection
        let _ = conn.batch_execute("ROLLBACK");
        error.into()
    })
}

/// Runs `work` in the open transaction, then commits it, or rolls it back
/// when `work` fails (as diesel's `Connection::transaction` does).
/// A change is confirmed on the standbys after the commit when `confirm`
/// (`synchronous_standby_names` names one: decision 0033).
fn finish_transaction<T>(
    conn: &mut PgConnection,
    work: impl FnOnce(&mut PgConnection) -> AppResult<(T, bool)>,
    confirm: bool,
) -> AppResult<Committed<T>> {
    match work(conn) {
        Ok((value, changed)) => commit(conn, value, (changed, confirm)),
        Err(error) => match AnsiTransactionManager::rollback_transaction(conn) {
            Ok(()) | Err(DieselError::BrokenTransactionManager) => Err(error),
            Err(rollback) => Err(rollback.into()),
        },
    }
}

/// How long a committed change waits for the synchronous standbys to
/// confirm it after PostgreSQL stopped waiting (`odb_commit_replicated`).
const CONFIRM_WAIT_MS: i32 = 2_000;

/// What became of a transaction's commit.
#[derive(Debug)]
pub enum Committed<T> {
    /// Committed, and on the synchronous standbys when any is configured
    /// (or nothing was changed).
    Confirmed(T),
    /// A change whose durability is unknown: committed on the primary but
    /// not confirmed by the synchronous standbys (the wait for them was
    /// cancelled, and PostgreSQL answered success with only a WARNING), or
    /// the connection was lost during COMMIT. A failover now may lose it.
    Unconfirmed(T, &'static str),
}

/// Commits, then asks whether the standbys have a change (decision 0028)
/// when any is configured.
fn commit<T>(
    conn: &mut PgConnection,
    value: T,
    (changed, confirm): (bool, bool),
) -> AppResult<Committed<T>> {
    if let Err(error) = AnsiTransactionManager::commit_transaction(conn) {
        return match error {
            DieselError::DatabaseError(
                DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
                _,
            ) if changed => Ok(Committed::Unconfirmed(
                value,
                "the connection to PostgreSQL was lost during COMMIT",
            )),
            error => Err(error.into()),
        };
    }
    if !(changed && confirm) {
        return Ok(Committed::Confirmed(value));
    }
    match replicated(conn) {
        Ok(true) => Ok(Committed::Confirmed(value)),
        Ok(false) => Ok(Committed::Unconfirmed(
            value,
            "the synchronous standbys did not confirm the commit",
        )),
        Err(error) => {
            tracing::error!(%error, "cannot ask whether the standbys confirmed a commit");
            Ok(Committed::Unconfirmed(
                value,
                "whether the synchronous standbys confirmed the commit could not be asked",
            ))
        }
    }
}

#[derive(diesel::QueryableByName)]
struct Replicated {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    replicated: bool,
}

fn replicated(conn: &mut PgConnection) -> Result<bool, DieselError> {
    diesel::sql_query("SELECT odb_commit_replicated($1) AS replicated")
        .bind::<diesel::sql_types::Integer, _>(CONFIRM_WAIT_MS)
        .get_result::<Replicated>(conn)
        .map(|row| row.replicated)
}

#[derive(diesel::QueryableByName)]
struct Version {
    #[diesel(sql_type = diesel::sql_types::Text)]
    version: String,
}

fn embedded_versions() -> AppResult<Vec<String>> {
    use diesel::migration::MigrationSource;
    let migrations = MigrationSource::<diesel::pg::Pg>::migrations(&MIGRATIONS)
        .map_err(|e| AppError::Internal(format!("embedded migrations unreadable: {e}")))?;
    Ok(migrations
        .iter()
        .map(|m| m.name().version().to_string())
        .collect())
}
