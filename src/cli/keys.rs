//! `odb keys`, and the keyring every command that seals or opens fields needs.

use chrono::{DateTime, Utc};
use clap::Subcommand;
use diesel::PgConnection;

use odb::config::Settings;
use odb::crypto::{rotation, Keyring, MasterKey};

use super::database::owner_connection;

#[derive(Subcommand)]
pub(super) enum KeysCommand {
    /// The data keys and how many sealed values each still holds.
    Status,
    /// Add a data key and re-seal every value under it, online and resumably; then retire the old key.
    Rotate {
        #[arg(long, default_value_t = 1000)]
        batch: i64,
    },
}

pub(super) fn run(
    settings: &Settings,
    command: KeysCommand,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    // before starting anything: without the key there is nothing to report
    let master = master_key(settings, false)?;
    let (_db, mut conn) = owner_connection(settings)?;
    let keyring = open_keyring(master, &mut conn)?;
    match command {
        KeysCommand::Status => {
            let status = rotation::status(&mut conn)?;
            println!("{}", serde_json::to_string_pretty(&status)?);
        }
        KeysCommand::Rotate { batch } => rotate(&mut conn, &keyring, batch, now)?,
    }
    Ok(())
}

fn rotate(
    conn: &mut PgConnection,
    keyring: &Keyring,
    batch: i64,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let mut progress =
        |column: &str, done: u64| eprintln!("odb: re-sealed {done} value(s) of {column}");
    let report = rotation::rotate(conn, keyring, batch.clamp(1, 100_000), now, &mut progress)?;
    println!(
        "rotation done: data key v{} active, {} value(s) re-sealed, retired: {:?}",
        report.new_version, report.resealed, report.retired
    );
    Ok(())
}

/// Opens the keyring as the database owner (creating the first data key on a
/// new database) and refuses to go on with a master key that does not fit.
/// Catalogs are brought up to date on the way.
pub(super) fn open_keyring(master: MasterKey, conn: &mut PgConnection) -> anyhow::Result<Keyring> {
    odb::catalogs::load(conn).map_err(|e| anyhow::anyhow!("loading catalogs: {e:?}"))?;
    Ok(Keyring::initialize(conn, master)?)
}

/// The master key: ODB_MASTER_KEY, else the key file; the demo creates one.
/// Commands read it before they start a database, so a missing key is the
/// first thing they say.
pub(super) fn master_key(settings: &Settings, demo: bool) -> anyhow::Result<MasterKey> {
    if let Ok(text) = std::env::var("ODB_MASTER_KEY") {
        return Ok(MasterKey::from_base64(&text)?);
    }
    let default = settings.data_dir.join("master.key");
    match (&settings.master_key_file, demo) {
        (Some(path), _) => Ok(MasterKey::load_file(path)?),
        (None, true) => Ok(MasterKey::load_or_create_file(&default)?),
        (None, false) if default.exists() => Ok(MasterKey::load_file(&default)?),
        (None, false) => anyhow::bail!(
            "no master key: set ODB_MASTER_KEY (base64 of 32 random bytes) or ODB_MASTER_KEY_FILE; \
             `head -c 32 /dev/urandom | base64` makes one, and it must be backed up apart from the database"
        ),
    }
}
