//! The `odb` command line: arguments and one module per command. Private to
//! the binary; everything it does goes through the library.

mod audit;
mod backup;
mod database;
mod demo;
mod fixtures;
mod import;
mod keys;
mod serve;
mod standby;
mod sync_client;
mod sync_push;
mod user;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use odb::clock::Clock;
use odb::config::Settings;
use odb::error::AppError;

use audit::AuditCommand;
use fixtures::FixturesCommand;
use keys::KeysCommand;
use standby::StandbyCommand;
use sync_client::SyncClientCommand;
use sync_push::SyncCommand;
use user::UserCommand;

#[derive(Parser)]
#[command(
    name = "odb",
    version,
    about = "ODB: the Officials Database of Vietnam's political system"
)]
pub struct Cli {
    #[command(flatten)]
    settings: Settings,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (migrations run first).
    Serve,
    /// Serve with the demo dataset and demo accounts, created on first start.
    Demo,
    /// Run pending migrations and exit.
    Migrate,
    /// Load fixtures into the database.
    Fixtures {
        #[command(subcommand)]
        command: FixturesCommand,
    },
    /// Manage accounts from the command line (bootstrap, recovery).
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Field-encryption keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Check the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// A base backup of the private cluster into ODB_BACKUP_DIR (whose WAL
    /// archive the running cluster fills), keeping the newest KEEP.
    Backup {
        #[arg(long, default_value_t = 7)]
        keep: usize,
    },
    /// Restore the private cluster as it was at a moment (RFC 3339), from
    /// ODB_BACKUP_DIR, into a new data directory.
    Restore {
        #[arg(long)]
        until: String,
        /// The new data directory (its cluster goes in DIR/postgres).
        #[arg(long)]
        to: std::path::PathBuf,
    },
    /// A synchronous standby of the private cluster, and failing over to it.
    Standby {
        #[command(subcommand)]
        command: StandbyCommand,
    },
    /// Machine clients of the synchronization with MOHA (docs/integration/moha-sync.md).
    SyncClient {
        #[command(subcommand)]
        command: SyncClientCommand,
    },
    /// Talk to an ODB as a synchronization source: `odb sync push` (docs/integration/moha-sync.md).
    Sync {
        #[command(subcommand)]
        command: SyncCommand,
    },
    /// Import profiles from an agency's spreadsheet (CSV or XLSX) with a column mapping.
    Import(import::ImportArgs),
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let settings = cli.settings;
    let now = Clock::default().now();
    match cli.command {
        Command::Migrate => database::migrate(&settings)?,
        Command::Fixtures { command } => fixtures::run(&settings, command, now)?,
        Command::Keys { command } => keys::run(&settings, command, now)?,
        Command::User { command } => user::run(&settings, command, now)?,
        Command::SyncClient { command } => sync_client::run(&settings, command, now)?,
        Command::Sync { command } => sync_push::run(command)?,
        Command::Audit { command } => return audit::run(&settings, command, now),
        Command::Backup { keep } => backup::backup(&settings, keep)?,
        Command::Restore { until, to } => backup::restore(&settings, &until, &to)?,
        Command::Standby { command } => standby::run(&settings, command)?,
        Command::Import(args) => return import::run(&settings, args, now),
        Command::Serve => serve::serve(&settings, false)?,
        Command::Demo => serve::serve(&settings, true)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// A service error as the operator reads it: its problem detail.
fn detail(error: AppError) -> anyhow::Error {
    anyhow::anyhow!("{}", error.to_problem().detail)
}
