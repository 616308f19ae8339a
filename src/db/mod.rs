//! Connection pool, embedded migrations, and the private PostgreSQL launcher.

pub mod launcher;
pub mod ltree;
pub mod schema;
pub mod sql;

use std::time::Duration;

use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, CustomizeConnection, Pool, PooledConnection};
use diesel::Connection;
use diesel::RunQueryDsl;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::{AppError, AppResult};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

pub type PgPool = Pool<ConnectionManager<PgConnection>>;
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

/// The service's pool: every connection works as `odb_app`.
pub fn build_pool(database_url: &str, max_size: u32) -> anyhow::Result<PgPool> {
    let manager = ConnectionManager::<PgConnection>::new(database_url);
    Ok(Pool::builder()
        .max_size(max_size)
        .connection_timeout(Duration::from_secs(10))
        .test_on_check_out(true)
        .connection_customizer(Box::new(AsAppRole))
        .build(manager)?)
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
/// pool, inside the request's tracing span.
#[derive(Clone)]
pub struct Db {
    pool: PgPool,
}

impl Db {
    pub fn new(pool: PgPool) -> Self {
        Db { pool }
    }

    pub async fn run<T, F>(&self, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut PgConnection) -> AppResult<T> + Send + 'static,
    {
        let pool = self.pool.clone();
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || span.in_scope(|| work(&mut *pool.get()?)))
            .await
            .map_err(|e| AppError::Internal(format!("blocking task failed: {e}")))?
    }

    /// A transaction without a scope: for sign-in, before anyone is known.
    pub async fn transaction<T, F>(&self, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut PgConnection) -> AppResult<T> + Send + 'static,
    {
        self.run(move |conn| conn.transaction(work)).await
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
