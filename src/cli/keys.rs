//! `odb keys`, and the keyring every command that seals or opens fields needs.

use chrono::{DateTime, Utc};
use clap::Subcommand;
use diesel::{Connection, PgConnection};

use odb::config::Settings;
use odb::crypto::master::{ENV_KEY, ENV_KEY_PREVIOUS};
use odb::crypto::{self, Keyring, MasterKey, MasterKeys};

use super::database::{owner_connection, Database};

#[derive(Subcommand)]
pub(super) enum KeysCommand {
    /// Every key (data, blind-index, master) and how much each still seals or indexes.
    Status,
    /// Add a data key and re-seal every value under it, online and resumably; then retire the old key.
    Rotate {
        /// Values re-sealed per transaction (1 to 100000).
        #[arg(long, default_value_t = 5000)]
        batch: i64,
        /// Connections working in parallel, each on its own range of rows (1 to 8).
        #[arg(long, default_value_t = 2)]
        workers: usize,
    },
    /// Make ODB_MASTER_KEY the master key in place of ODB_MASTER_KEY_PREVIOUS, re-wrapping every key in one transaction; the previous key stays accepted until retire-master.
    RotateMaster,
    /// Stop accepting the previous master key, once every odb process has the new one.
    RetireMaster,
    /// Add a blind-index key and recompute every profile's and party member's indexes under it, online and resumably; then retire the old key.
    RotateBlindIndex {
        /// Rows (profiles or party members) re-indexed per transaction (1 to 100000).
        #[arg(long, default_value_t = 1000)]
        batch: i64,
        /// Connections working in parallel, each on its own range of rows (1 to 8).
        #[arg(long, default_value_t = 2)]
        workers: usize,
    },
}

pub(super) fn run(
    settings: &Settings,
    command: KeysCommand,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    // before starting anything: without the key there is nothing to report
    let masters = master_keys(settings, false)?;
    let (db, mut conn) = owner_connection(settings)?;
    let keyring = open_keyring(masters, &mut conn)?;
    match command {
        KeysCommand::Status => {
            let status = crypto::status(&mut conn)?;
            println!("{}", serde_json::to_string_pretty(&status)?);
        }
        KeysCommand::Rotate { batch, workers } => {
            let mut conns = connections(&db, conn, workers)?;
            let mut progress =
                |column: &str, done: u64| eprintln!("odb: re-sealed {done} value(s) of {column}");
            let report = crypto::rotate(
                &mut conns,
                &keyring,
                batch.clamp(1, 100_000),
                now,
                &mut progress,
            )?;
            println!(
                "rotation done: data key v{} active, {} value(s) re-sealed, retired: {:?}",
                report.new_version, report.resealed, report.retired
            );
        }
        KeysCommand::RotateMaster => {
            let report = crypto::rotate_master(&mut conn, &keyring, now)?;
            if report.rotated {
                println!(
                    "master key rotated: {} data key(s) and {} blind-index key(s) re-wrapped; \
                     the previous key stays accepted until `odb keys retire-master`",
                    report.data_keys, report.blind_index_keys
                );
            } else {
                println!("the database already uses this master key: nothing to do");
            }
        }
        KeysCommand::RetireMaster => {
            if crypto::retire_previous_master(&mut conn, &keyring)? {
                println!("previous master key retired: only the current one opens the keyring now");
            } else {
                println!("no previous master key to retire");
            }
        }
        KeysCommand::RotateBlindIndex { batch, workers } => {
            let mut conns = connections(&db, conn, workers)?;
            let mut progress =
                |rows: &str, done: u64| eprintln!("odb: re-indexed {done} row(s) of {rows}");
            let report = crypto::rotate_blind_index(
                &mut conns,
                &keyring,
                batch.clamp(1, 100_000),
                now,
                &mut progress,
            )?;
            println!(
                "rotation done: blind-index key v{} active, {} row(s) re-indexed (profiles and party members), retired: {:?}",
                report.new_version, report.resealed, report.retired
            );
        }
    }
    Ok(())
}

/// `owner` and as many more owner connections as make `workers`.
fn connections(
    db: &Database,
    owner: PgConnection,
    workers: usize,
) -> anyhow::Result<Vec<PgConnection>> {
    let mut conns = vec![owner];
    for _ in 1..workers.clamp(1, 8) {
        conns.push(PgConnection::establish(&db.url)?);
    }
    Ok(conns)
}

/// Opens the keyring as the database owner (creating the first data key on a
/// new database) and refuses to go on with a master key that does not fit.
/// Catalogs are brought up to date on the way, and TOTP secrets a database
/// from before sealing still holds in plaintext are sealed.
pub(super) fn open_keyring(
    masters: MasterKeys,
    conn: &mut PgConnection,
) -> anyhow::Result<Keyring> {
    odb::catalogs::load(conn).map_err(|e| anyhow::anyhow!("loading catalogs: {e:?}"))?;
    let keyring = Keyring::initialize(conn, masters)?;
    let sealed = odb::auth::secret::seal_plaintext(conn, &keyring)
        .map_err(|e| anyhow::anyhow!("sealing TOTP secrets: {}", e.to_problem().detail))?;
    if sealed > 0 {
        eprintln!("odb: sealed {sealed} TOTP secret(s) kept in plaintext before; none is left");
    }
    Ok(keyring)
}

/// The master keys, or an error saying how to make one. Commands read them
/// before they start a database, so a missing key is the first thing they say.
pub(super) fn master_keys(settings: &Settings, demo: bool) -> anyhow::Result<MasterKeys> {
    given_master_keys(settings, demo)?.ok_or_else(|| {
        anyhow::anyhow!(
            "no master key: set ODB_MASTER_KEY (base64 of 32 random bytes) or ODB_MASTER_KEY_FILE; \
             `head -c 32 /dev/urandom | base64` makes one, and it must be backed up apart from the database"
        )
    })
}

/// The master keys this process is given, None when it is given none:
/// ODB_MASTER_KEY, else the key file (the demo creates one); and, during a
/// master-key rotation, the previous key (ODB_MASTER_KEY_PREVIOUS or its file).
pub(super) fn given_master_keys(
    settings: &Settings,
    demo: bool,
) -> anyhow::Result<Option<MasterKeys>> {
    let Some(current) = current_master_key(settings, demo)? else {
        return Ok(None);
    };
    let previous = match MasterKey::from_env_var(ENV_KEY_PREVIOUS)? {
        Some(key) => Some(key),
        None => settings
            .master_key_previous_file
            .as_deref()
            .map(MasterKey::load_file)
            .transpose()?,
    };
    Ok(Some(MasterKeys { current, previous }))
}

fn current_master_key(settings: &Settings, demo: bool) -> anyhow::Result<Option<MasterKey>> {
    if let Some(key) = MasterKey::from_env_var(ENV_KEY)? {
        return Ok(Some(key));
    }
    let default = settings.data_dir.join("master.key");
    Ok(match (&settings.master_key_file, demo) {
        (Some(path), _) => Some(MasterKey::load_file(path)?),
        (None, true) => Some(MasterKey::load_or_create_file(&default)?),
        (None, false) if default.exists() => Some(MasterKey::load_file(&default)?),
        (None, false) => None,
    })
}
