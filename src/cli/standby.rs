//! `odb standby`: a synchronous standby of the private cluster, and what to
//! do with it when the primary is lost (docs/operations/replication.md).
//! A managed or external cluster (DATABASE_URL) has its own tools for this.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use clap::Subcommand;
use diesel::sql_types::{Bool, Text};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};

use odb::config::Settings;
use odb::db::launcher::{ClusterOptions, LocalPostgres};

use super::database::{database, Database};

#[derive(Subcommand)]
pub(super) enum StandbyCommand {
    /// Copy the private cluster into DIR (best on another disk) and start it
    /// as a standby there; from then on every commit waits until the
    /// standby has it. The standby keeps running after the command.
    Create {
        /// The standby's data directory (its cluster goes in DIR/postgres).
        #[arg(long)]
        dir: PathBuf,
        /// Its name on the primary: application name and replication slot.
        #[arg(long, default_value = "odb_standby")]
        name: String,
    },
    /// Start the standby in DIR again (after a reboot).
    Start {
        #[arg(long)]
        dir: PathBuf,
    },
    /// Stop the standby in DIR. Commits on the primary wait until it is
    /// back (or `odb standby forget`).
    Stop {
        #[arg(long)]
        dir: PathBuf,
    },
    /// The primary is lost: make the standby in DIR the primary, accepting
    /// writes and waiting for no standby; then serve with ODB_DATA_DIR=DIR.
    Promote {
        #[arg(long)]
        dir: PathBuf,
    },
    /// The standby is lost for good: the private cluster's commits stop
    /// waiting for it, and its replication slot is dropped.
    Forget {
        #[arg(long, default_value = "odb_standby")]
        name: String,
    },
}

pub(super) fn run(settings: &Settings, command: StandbyCommand) -> anyhow::Result<()> {
    if settings.database_url.is_some() {
        anyhow::bail!(
            "odb standby manages odb's private cluster; DATABASE_URL names another one, \
             whose own tools make its standbys (docs/operations/replication.md)"
        );
    }
    match command {
        StandbyCommand::Create { dir, name } => create(settings, &dir, &name),
        StandbyCommand::Start { dir } => {
            start(&dir)?.keep_running();
            println!("standby in {} running", dir.display());
            Ok(())
        }
        StandbyCommand::Stop { dir } => Ok(LocalPostgres::stop_in(&dir)?),
        StandbyCommand::Promote { dir } => promote(&dir),
        StandbyCommand::Forget { name } => forget(settings, &name),
    }
}

fn start(dir: &Path) -> anyhow::Result<LocalPostgres> {
    Ok(LocalPostgres::start(&ClusterOptions {
        data_dir: dir.to_path_buf(),
        ephemeral: false,
        archive: None,
    })?)
}

fn private(db: &Database) -> anyhow::Result<&LocalPostgres> {
    db.cluster()
        .ok_or_else(|| anyhow::anyhow!("odb is not running its private cluster"))
}

fn superuser(cluster: &LocalPostgres) -> anyhow::Result<PgConnection> {
    Ok(PgConnection::establish(&cluster.url("postgres"))?)
}

/// Slot and application names: PostgreSQL's slot-name alphabet.
fn checked(name: &str) -> anyhow::Result<&str> {
    let fits = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if fits {
        Ok(name)
    } else {
        anyhow::bail!("--name takes lowercase letters, digits and _ (at most 63)")
    }
}

fn create(settings: &Settings, dir: &Path, name: &str) -> anyhow::Result<()> {
    let name = checked(name)?;
    let db = database(settings)?;
    let primary = private(&db)?;
    let mut conn = superuser(primary)?;
    make_slot(&mut conn, name)?;
    let standby = LocalPostgres::create_standby(dir, primary, name)?;
    wait_streaming(&mut conn, name)?;
    diesel::sql_query(format!(
        "ALTER SYSTEM SET synchronous_standby_names = '\"{name}\"'"
    ))
    .execute(&mut conn)?;
    diesel::sql_query("ALTER SYSTEM SET synchronous_commit = on").execute(&mut conn)?;
    diesel::sql_query("SELECT pg_reload_conf()").execute(&mut conn)?;
    println!(
        "standby {name} streams from {} into {}; every commit now waits until it has it",
        primary.cluster_dir().display(),
        dir.display()
    );
    // a hot standby: it can serve the searches too (decision 0033)
    println!(
        "to read searches from it: ODB_READ_DATABASE_URL='{}'",
        standby.url(super::database::PRIVATE_DATABASE)
    );
    standby.keep_running();
    Ok(())
}

#[derive(QueryableByName)]
struct Found {
    #[diesel(sql_type = Bool)]
    found: bool,
}

/// The standby's replication slot, which keeps on the primary the WAL the
/// standby has not received yet. One left by an earlier standby of the
/// same name is replaced; one in use is refused.
fn make_slot(conn: &mut PgConnection, name: &str) -> anyhow::Result<()> {
    let active: Found = diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = $1 AND active) AS found",
    )
    .bind::<Text, _>(name)
    .get_result(conn)?;
    if active.found {
        anyhow::bail!("a standby named {name} is connected already");
    }
    drop_slot(conn, name)?;
    diesel::sql_query("SELECT pg_create_physical_replication_slot($1)")
        .bind::<Text, _>(name)
        .execute(conn)?;
    Ok(())
}

fn drop_slot(conn: &mut PgConnection, name: &str) -> anyhow::Result<()> {
    diesel::sql_query(
        "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots
          WHERE slot_name = $1 AND NOT active",
    )
    .bind::<Text, _>(name)
    .execute(conn)?;
    Ok(())
}

fn wait_streaming(conn: &mut PgConnection, name: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let streaming: Found = diesel::sql_query(
            "SELECT EXISTS (SELECT 1 FROM pg_stat_replication
                             WHERE application_name = $1 AND state = 'streaming') AS found",
        )
        .bind::<Text, _>(name)
        .get_result(conn)?;
        if streaming.found {
            return Ok(());
        }
        if Instant::now() > deadline {
            anyhow::bail!("the standby {name} did not start streaming within a minute");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn promote(dir: &Path) -> anyhow::Result<()> {
    let standby = start(dir)?;
    standby.promote()?;
    // it copied the primary's settings, its own name among them: a new
    // primary with no standby yet must not wait for one
    let mut conn = superuser(&standby)?;
    diesel::sql_query("ALTER SYSTEM RESET synchronous_standby_names").execute(&mut conn)?;
    diesel::sql_query("SELECT pg_reload_conf()").execute(&mut conn)?;
    standby.keep_running();
    println!(
        "{} is now the primary: serve with ODB_DATA_DIR={} (keeping the master key, audit key \
         and checkpoint settings), then make a new standby of it",
        dir.display(),
        dir.display()
    );
    Ok(())
}

fn forget(settings: &Settings, name: &str) -> anyhow::Result<()> {
    let name = checked(name)?;
    let db = database(settings)?;
    let mut conn = superuser(private(&db)?)?;
    diesel::sql_query("ALTER SYSTEM RESET synchronous_standby_names").execute(&mut conn)?;
    diesel::sql_query("SELECT pg_reload_conf()").execute(&mut conn)?;
    drop_slot(&mut conn, name)?;
    println!("commits no longer wait for {name}; its slot is gone");
    Ok(())
}
