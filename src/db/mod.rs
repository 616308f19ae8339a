//! Connection pool, embedded migrations, and the private PostgreSQL launcher.

pub mod launcher;
pub mod ltree;
pub mod schema;
pub mod sql;

use std::time::Duration;

use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, Pool, PooledConnection};
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::error::{AppError, AppResult};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

pub type PgPool = Pool<ConnectionManager<PgConnection>>;
pub type PgConn = PooledConnection<ConnectionManager<PgConnection>>;

pub fn build_pool(database_url: &str, max_size: u32) -> anyhow::Result<PgPool> {
    let manager = ConnectionManager::<PgConnection>::new(database_url);
    Ok(Pool::builder()
        .max_size(max_size)
        .connection_timeout(Duration::from_secs(10))
        .test_on_check_out(true)
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
        actix_web::web::block(move || span.in_scope(|| work(&mut *pool.get()?)))
            .await
            .map_err(|e| AppError::Internal(format!("blocking task failed: {e}")))?
    }

    /// Like `run`, inside one transaction: all of it lands or none of it.
    pub async fn transaction<T, F>(&self, work: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut PgConnection) -> AppResult<T> + Send + 'static,
    {
        self.run(move |conn| conn.transaction(work)).await
    }

    /// Reachable and with no pending migration.
    pub async fn readiness(&self) -> AppResult<()> {
        self.run(|conn| {
            let pending = conn
                .pending_migrations(MIGRATIONS)
                .map_err(|e| AppError::Unavailable(format!("cannot read migrations: {e}")))?;
            if pending.is_empty() {
                Ok(())
            } else {
                Err(AppError::Unavailable(format!(
                    "{} migration(s) pending",
                    pending.len()
                )))
            }
        })
        .await
    }
}
