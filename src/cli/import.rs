//! `odb import`: an agency's spreadsheet imported from the command line,
//! through the same service as `POST /api/v1/imports`.

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::Args;

use odb::config::Settings;
use odb::context::Ctx;
use odb::ids::ImportId;
use odb::imports::model::{mapping_of, Atomicity, ColumnMapping, ImportJob, Kind, MappingChoice};
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
    let (_db, mut conn) = owner_connection(settings)?;
    let keyring = open_keyring(masters, &mut conn)?;
    let file_name = args
        .file
        .file_name()
        .map_or_else(|| "import".into(), |n| n.to_string_lossy().into_owned());
    let code = args.organization.to_uppercase();
    let view = Ctx::as_operator(&mut conn, &keyring, now, "odb import", |ctx| {
        let unit = odb::org::repo::find_by_code(ctx.conn, &code)?
            .ok_or_else(|| odb::error::AppError::invalid("organization", "no such code"))?;
        let job = ImportJob {
            id: ImportId::new_random(),
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
        service::run(ctx, job, &mut |row| {
            if row.rows_done % 500 == 0 || row.rows_done == row.rows_total {
                eprintln!("odb: {}/{} rows", row.rows_done, row.rows_total);
            }
        })
    })
    .map_err(detail)?;
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
