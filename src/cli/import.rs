//! `odb import`: an agency's spreadsheet imported from the command line,
//! through the same service as `POST /api/v1/imports`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use clap::Args;
use diesel::{Connection, PgConnection};

use odb::clock::Clock;
use odb::config::Settings;
use odb::context::Ctx;
use odb::crypto::Keyring;
use odb::ids::ImportId;
use odb::imports::model::{
    mapping_of, Atomicity, ColumnMapping, ImportJob, ImportRow, Kind, MappingChoice,
};
use odb::imports::service;

use super::database::owner_connection;
use super::detail;
use super::keys::{master_keys, open_keyring};

#[derive(Args)]
pub(super) struct ImportArgs {
    /// The CSV (UTF-8) or XLSX file.
    file: PathBuf,
    /// A JSON list of {"column": heading, "field": profile field} (docs/import-guide.md).
    #[arg(long)]
    mapping: PathBuf,
    /// Code of the importing unit: where the import is recorded, and the
    /// organization of rows that name none.
    #[arg(long)]
    organization: String,
    /// Check every row and report, writing nothing.
    #[arg(long)]
    dry_run: bool,
    /// What the file holds: `officials` (profiles) or `organizations`.
    #[arg(long, default_value = "officials")]
    kind: String,
    /// `file`: one faulty row refuses the whole file; `row`: only that row.
    #[arg(long, default_value = "file")]
    atomicity: String,
}

/// Who the import and its audit entries name.
const COMMAND: &str = "odb import";
/// How often the progress is recorded in the database, at most.
const RECORD_EVERY: Duration = Duration::from_millis(250);
/// How often the progress is printed, in rows.
const PRINT_EVERY: i32 = 500;

/// The import's progress, recorded on a connection of its own (so that
/// `GET /api/v1/imports/{id}` and the portal see it) and printed.
struct Progress<'a> {
    conn: &'a mut PgConnection,
    keyring: &'a Keyring,
    now: DateTime<Utc>,
    recorded: Option<Instant>,
}

impl Progress<'_> {
    fn record(&mut self, row: &ImportRow) {
        if row.rows_done == 0 {
            eprintln!("odb: import {} of {} rows", row.id, row.rows_total);
        } else if row.rows_done % PRINT_EVERY == 0 || row.rows_done == row.rows_total {
            eprintln!("odb: {}/{} rows", row.rows_done, row.rows_total);
        }
        if self.recorded.is_some_and(|at| at.elapsed() < RECORD_EVERY) {
            return;
        }
        self.recorded = Some(Instant::now());
        let recorded = Ctx::as_operator(self.conn, self.keyring, self.now, COMMAND, |ctx| {
            service::record_progress(ctx, row)
        });
        if let Err(e) = recorded {
            eprintln!(
                "odb: the progress was not recorded: {}",
                e.to_problem().detail
            );
        }
    }
}

/// Runs the import; exits 2 when rows were refused.
pub(super) fn run(
    settings: &Settings,
    args: ImportArgs,
    now: DateTime<Utc>,
) -> anyhow::Result<ExitCode> {
    let content = std::fs::read(&args.file)?;
    let columns: Vec<ColumnMapping> = serde_json::from_slice(&std::fs::read(&args.mapping)?)
        .map_err(|e| {
            anyhow::anyhow!(
                "{}: not a list of {{\"column\": …, \"field\": …}}: {e}",
                args.mapping.display()
            )
        })?;
    let mapping = mapping_of(columns).map_err(detail)?;
    let atomicity = Atomicity::parse(&args.atomicity)
        .ok_or_else(|| anyhow::anyhow!("--atomicity is `file` or `row`"))?;
    let kind = Kind::parse(&args.kind)
        .ok_or_else(|| anyhow::anyhow!("--kind is `officials` or `organizations`"))?;
    let masters = master_keys(settings, false)?;
    let (db, mut conn) = owner_connection(settings)?;
    // the import's progress is recorded beside its transaction (decision 0036)
    let mut beside = PgConnection::establish(&db.url)?;
    let keyring = open_keyring(masters, &mut conn)?;
    let file_name = args
        .file
        .file_name()
        .map_or_else(|| "import".into(), |n| n.to_string_lossy().into_owned());
    let code = args.organization.to_uppercase();
    let settled = Ctx::as_operator(&mut beside, &keyring, now, COMMAND, |ctx| {
        service::settle(ctx, None)
    })
    .map_err(detail)?;
    if settled > 0 {
        eprintln!("odb: {settled} import(s) whose process died marked failed");
    }
    let id = ImportId::new_random();
    let mut progress = Progress {
        conn: &mut beside,
        keyring: &keyring,
        now,
        recorded: None,
    };
    let ran = Ctx::as_operator(&mut conn, &keyring, now, COMMAND, |ctx| {
        let unit = odb::org::repo::find_by_code(ctx.conn, &code)?
            .ok_or_else(|| odb::error::AppError::invalid("organization", "no such code"))?;
        let job = ImportJob {
            id,
            kind,
            organization: unit.id,
            file_name,
            content,
            mapping: MappingChoice::Given {
                mapping,
                save_as: None,
            },
            dry_run: args.dry_run,
            atomicity,
        };
        service::run(ctx, job, &mut |row| progress.record(row))
    });
    let view = match ran {
        Ok(view) => view,
        Err(error) => {
            // its rows are gone with its transaction: the import says so
            let failed = Ctx::as_operator(
                progress.conn,
                &keyring,
                Clock::default().now(),
                COMMAND,
                |ctx| service::fail(ctx, id),
            );
            if let Err(e) = failed {
                eprintln!(
                    "odb: import {id} was not recorded as failed: {}",
                    e.to_problem().detail
                );
            }
            return Err(detail(error));
        }
    };
    for finding in serde_json::from_value::<Vec<odb::imports::model::Finding>>(view.report.clone())?
    {
        let column = finding.column.map(|c| format!(", {c}")).unwrap_or_default();
        println!(
            "row {}{column}: {}: {}",
            finding.row, finding.severity, finding.message
        );
    }
    let verb = if view.written {
        "written"
    } else {
        "not written"
    };
    println!(
        "import {}: {} rows, {} created, {} updated, {} refused ({verb})",
        view.id, view.rows_total, view.created, view.updated, view.rejected
    );
    Ok(if view.rejected > 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}
