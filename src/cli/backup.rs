//! `odb backup` and `odb restore`: base backups of the private cluster next
//! to its archived WAL, with retention, and a point-in-time restore into a
//! new data directory (docs/operations/backup.md). A managed or external
//! cluster is backed up by its own tools (pgBackRest, WAL-G, the cloud's).

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::sql_types::{Bool, Text};
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl};

use odb::config::Settings;
use odb::db::launcher::{server_writable_dir, LocalPostgres};

use super::database::{database, BASE_BACKUPS, WAL_ARCHIVE};

/// Base backups are named by the time they were complete, in UTC.
const STAMP: &str = "%Y%m%dT%H%M%SZ";

fn backup_dir(settings: &Settings) -> anyhow::Result<&Path> {
    if settings.database_url.is_some() {
        anyhow::bail!(
            "odb backup and restore work on odb's private cluster; back up the cluster \
             DATABASE_URL names with its own tools (docs/operations/backup.md)"
        );
    }
    settings
        .backup_dir
        .as_deref()
        .ok_or_else(|| anyhow::anyhow!("set ODB_BACKUP_DIR (--backup-dir) to where backups go"))
}

#[derive(QueryableByName)]
struct Setting {
    #[diesel(sql_type = Text)]
    value: String,
}

/// `odb backup --keep N`: a base backup now, then only the newest N kept,
/// and the archived WAL none of them needs removed.
pub(super) fn backup(settings: &Settings, keep: usize) -> anyhow::Result<()> {
    let dir = backup_dir(settings)?;
    let db = database(settings)?;
    let cluster = db
        .cluster()
        .ok_or_else(|| anyhow::anyhow!("odb is not running its private cluster"))?;
    let mut conn = PgConnection::establish(&db.url)?;
    let archiving: Setting = diesel::sql_query("SELECT current_setting('archive_mode') AS value")
        .get_result(&mut conn)?;
    if archiving.value != "on" {
        anyhow::bail!(
            "the running cluster does not archive its WAL: restart `odb serve` with \
             ODB_BACKUP_DIR set, so that a restore can reach any moment after a backup"
        );
    }
    let bases = server_writable_dir(&dir.join(BASE_BACKUPS))?;
    let partial = bases.join(format!("partial-{}", std::process::id()));
    cluster.base_backup(&partial)?;
    // the next whole second: a name never earlier than the backup's end
    let complete = Utc::now() + chrono::Duration::seconds(1);
    let done = bases.join(complete.format(STAMP).to_string());
    fs::rename(&partial, &done)?;
    println!("base backup {}", done.display());
    prune(&bases, &dir.join(WAL_ARCHIVE), keep.max(1))
}

/// The base backups, oldest first, with the time each was complete.
fn base_backups(bases: &Path) -> anyhow::Result<Vec<(DateTime<Utc>, PathBuf)>> {
    let mut found = Vec::new();
    for entry in fs::read_dir(bases)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if let Ok(at) = NaiveDateTime::parse_from_str(name, STAMP) {
            found.push((at.and_utc(), path));
        }
    }
    found.sort();
    Ok(found)
}

fn prune(bases: &Path, wal: &Path, keep: usize) -> anyhow::Result<()> {
    let all = base_backups(bases)?;
    let cut = all.len().saturating_sub(keep);
    for (_, old) in &all[..cut] {
        fs::remove_dir_all(old)?;
        println!("removed {}", old.display());
    }
    let Some((_, oldest)) = all.get(cut) else {
        return Ok(());
    };
    let first = first_wal_segment(oldest)?;
    let mut removed = 0;
    for entry in fs::read_dir(wal)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        // segment names sort by timeline, then position; history files stay
        let segment = name.len() == 24 && name.bytes().all(|b| b.is_ascii_hexdigit());
        if segment && name < first {
            fs::remove_file(entry.path())?;
            removed += 1;
        }
    }
    println!(
        "kept {} base backup(s); removed {removed} WAL segment(s) older than {first}",
        all.len() - cut
    );
    Ok(())
}

/// The first WAL segment a base backup needs, from its backup_label
/// ("START WAL LOCATION: 0/2000028 (file 000000010000000000000002)").
fn first_wal_segment(base: &Path) -> anyhow::Result<String> {
    let label = fs::read_to_string(base.join("backup_label"))?;
    label
        .lines()
        .find_map(|line| line.strip_prefix("START WAL LOCATION:"))
        .and_then(|rest| rest.split("(file ").nth(1))
        .map(|file| file.trim_end_matches(')').trim().to_owned())
        .ok_or_else(|| anyhow::anyhow!("no start segment in {}/backup_label", base.display()))
}

#[derive(QueryableByName)]
struct Recovering {
    #[diesel(sql_type = Bool)]
    recovering: bool,
}

/// `odb restore --until TIME --to DIR`: the newest base backup complete
/// before TIME, replayed from the archive up to TIME, in a new cluster.
pub(super) fn restore(settings: &Settings, until: &str, to: &Path) -> anyhow::Result<()> {
    let dir = backup_dir(settings)?;
    let target = DateTime::parse_from_rfc3339(until)
        .map_err(|e| {
            anyhow::anyhow!("--until takes an RFC 3339 time, e.g. 2026-11-29T09:30:00+07:00: {e}")
        })?
        .with_timezone(&Utc);
    let (taken, base) = base_backups(&dir.join(BASE_BACKUPS))?
        .into_iter()
        .rev()
        .find(|(at, _)| *at <= target)
        .ok_or_else(|| anyhow::anyhow!("no base backup was complete before {until}"))?;
    let wal = fs::canonicalize(dir.join(WAL_ARCHIVE))?;
    let cluster = LocalPostgres::restore(to, &base, &wal, &target.to_rfc3339())?;
    wait_promoted(&cluster)?;
    // a standby of the backed-up primary is not this cluster's
    let mut conn = PgConnection::establish(&cluster.url("postgres"))?;
    diesel::sql_query("ALTER SYSTEM RESET synchronous_standby_names").execute(&mut conn)?;
    println!(
        "restored to {} from the base backup of {} into {}: serve it with ODB_DATA_DIR={} \
         and the same master key; audit checkpoints signed after {} name rows the restore \
         removed (docs/operations/backup.md)",
        target.to_rfc3339(),
        taken.to_rfc3339(),
        to.display(),
        to.display(),
        target.to_rfc3339()
    );
    Ok(())
}

fn wait_promoted(cluster: &LocalPostgres) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let recovering = PgConnection::establish(&cluster.url("postgres"))
            .map_err(anyhow::Error::from)
            .and_then(|mut conn| {
                Ok(
                    diesel::sql_query("SELECT pg_is_in_recovery() AS recovering")
                        .get_result::<Recovering>(&mut conn)?,
                )
            });
        match recovering {
            Ok(Recovering { recovering: false }) => return Ok(()),
            Ok(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(200)),
            Ok(_) => anyhow::bail!("the restore did not finish within 10 minutes"),
            Err(error) => anyhow::bail!(
                "the restore stopped ({error}); see {}",
                cluster.log_file().display()
            ),
        }
    }
}
