//! The database a command works on: DATABASE_URL, or odb's private cluster.

use diesel::{Connection, PgConnection, RunQueryDsl};

use odb::config::Settings;
use odb::db::launcher::{ClusterOptions, LocalPostgres};

const PRIVATE_DATABASE: &str = "odb";

/// The database the command works on, with the private cluster kept alive
/// (and stopped on drop) when odb runs its own.
pub(super) struct Database {
    pub(super) url: String,
    _cluster: Option<LocalPostgres>,
}

pub(super) fn database(settings: &Settings) -> anyhow::Result<Database> {
    if let Some(url) = &settings.database_url {
        return Ok(Database {
            url: url.clone(),
            _cluster: None,
        });
    }
    let cluster = LocalPostgres::start(&ClusterOptions {
        data_dir: settings.data_dir.clone(),
        ephemeral: false,
    })?;
    eprintln!(
        "odb: private PostgreSQL cluster in {}",
        cluster.cluster_dir().display()
    );
    create_private_database(&cluster)?;
    Ok(Database {
        url: cluster.url(PRIVATE_DATABASE),
        _cluster: Some(cluster),
    })
}

fn create_private_database(cluster: &LocalPostgres) -> anyhow::Result<()> {
    let mut admin = PgConnection::establish(&cluster.url("postgres"))?;
    let exists: bool = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(
        "EXISTS (SELECT 1 FROM pg_database WHERE datname = 'odb')",
    ))
    .get_result(&mut admin)?;
    if !exists {
        diesel::sql_query(format!("CREATE DATABASE {PRIVATE_DATABASE}")).execute(&mut admin)?;
    }
    Ok(())
}

/// A migrated database, connected as its owner (command-line tools only).
pub(super) fn owner_connection(settings: &Settings) -> anyhow::Result<(Database, PgConnection)> {
    let db = database(settings)?;
    odb::db::run_migrations(&db.url)?;
    let conn = PgConnection::establish(&db.url)?;
    Ok((db, conn))
}

/// `odb migrate`.
pub(super) fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let db = database(settings)?;
    let applied = odb::db::run_migrations(&db.url)?;
    println!("{} migration(s) applied", applied.len());
    Ok(())
}
