//! The database a command works on: DATABASE_URL, or odb's private cluster.

use diesel::{Connection, PgConnection, RunQueryDsl};

use odb::config::Settings;
use odb::db::launcher::{ClusterOptions, LocalPostgres};

use super::keys::{given_master_keys, open_keyring};

pub(super) const PRIVATE_DATABASE: &str = "odb";
/// Under the backup directory: the archived WAL, and the base backups.
pub(super) const WAL_ARCHIVE: &str = "wal";
pub(super) const BASE_BACKUPS: &str = "base";

/// The database the command works on, with the private cluster kept alive
/// (and stopped on drop) when odb runs its own.
pub(super) struct Database {
    pub(super) url: String,
    private: Option<LocalPostgres>,
}

pub(super) fn database(settings: &Settings) -> anyhow::Result<Database> {
    if let Some(url) = &settings.database_url {
        return Ok(Database {
            url: url.clone(),
            private: None,
        });
    }
    let cluster = LocalPostgres::start(&ClusterOptions {
        data_dir: settings.data_dir.clone(),
        ephemeral: false,
        archive: settings
            .backup_dir
            .as_ref()
            .map(|dir| dir.join(WAL_ARCHIVE)),
    })?;
    eprintln!(
        "odb: private PostgreSQL cluster in {}",
        cluster.cluster_dir().display()
    );
    create_private_database(&cluster)?;
    Ok(Database {
        url: cluster.url(PRIVATE_DATABASE),
        private: Some(cluster),
    })
}

impl Database {
    /// The private cluster, when odb runs its own.
    pub(super) fn cluster(&self) -> Option<&LocalPostgres> {
        self.private.as_ref()
    }
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

/// `odb migrate`; given the master key, it also seals the TOTP secrets a
/// database from before sealing holds in plaintext (migrations cannot: the
/// key never reaches the database).
pub(super) fn migrate(settings: &Settings) -> anyhow::Result<()> {
    let masters = given_master_keys(settings, false)?;
    let db = database(settings)?;
    let applied = odb::db::run_migrations(&db.url)?;
    println!("{} migration(s) applied", applied.len());
    let mut conn = PgConnection::establish(&db.url)?;
    if let Some(masters) = masters {
        open_keyring(masters, &mut conn)?;
        return Ok(());
    }
    let left = odb::auth::secret::plaintext_left(&mut conn)
        .map_err(|e| anyhow::anyhow!("{}", e.to_problem().detail))?;
    if left > 0 {
        eprintln!(
            "odb: {left} TOTP secret(s) are still in plaintext; they are sealed, and the \
             plaintext column dropped, at the first start with the master key"
        );
    }
    Ok(())
}
