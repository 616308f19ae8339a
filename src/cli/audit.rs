//! `odb audit`, and the checkpoint store the server signs into.

use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::Subcommand;
use diesel::PgConnection;

use odb::audit::{self, CheckpointStore};
use odb::config::Settings;

use super::database::owner_connection;

#[derive(Subcommand)]
pub(super) enum AuditCommand {
    /// Walk the hash chain and check it against the signed checkpoints; exits 1 naming the first bad row.
    Verify,
    /// Append a signed checkpoint of the latest row now.
    Checkpoint,
}

pub(super) fn run(
    settings: &Settings,
    command: AuditCommand,
    now: DateTime<Utc>,
) -> anyhow::Result<ExitCode> {
    let (_db, mut conn) = owner_connection(settings)?;
    let store = checkpoints(settings)?;
    match command {
        AuditCommand::Verify => Ok(verify(&mut conn, &store)),
        AuditCommand::Checkpoint => {
            match store.write_latest(&mut conn, now)? {
                Some(checkpoint) => println!("checkpoint written at row {}", checkpoint.id),
                None => println!("no new audit rows since the last checkpoint"),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A broken chain is a finding, not an error of the command: it is reported
/// and the exit code says so.
fn verify(conn: &mut PgConnection, store: &CheckpointStore) -> ExitCode {
    match audit::verify(conn, Some(store)) {
        Ok(report) => {
            println!(
                "audit log intact: {} row(s), last id {}, {} checkpoint(s) matched",
                report.rows,
                report.last_id.map_or("-".to_owned(), |id| id.to_string()),
                report.checkpoints_checked
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("odb: audit log verification FAILED: {error}");
            ExitCode::FAILURE
        }
    }
}

pub(super) fn checkpoints(settings: &Settings) -> anyhow::Result<CheckpointStore> {
    std::fs::create_dir_all(&settings.data_dir)?;
    let key = audit::load_or_create_key(&settings.audit_key_file())?;
    Ok(CheckpointStore::new(settings.audit_checkpoint_file(), key))
}
