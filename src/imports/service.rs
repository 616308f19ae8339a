//! Running an import: each row normalized, then written through the
//! officials services (the same rules, scope and audit as one profile sent
//! to the API), the person found by CBCCVC code or personal identification
//! code updated rather than duplicated. A fault undoes its row or, as the
//! importer chose, the whole file; a dry run undoes everything and keeps
//! only the report.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::model::{
    field_of, Atomicity, ColumnMapping, Failure, FieldKind, Finding, ImportJob, ImportRow,
    ImportStatus, ImportView, Kind, MappingChoice, SavedMapping, Severity,
};
use super::normalize::{self, DateForm, Matched};
use super::repo;
use super::sheet::{self, Line};
use crate::context::Ctx;
use crate::db::ltree::TreePath;
use crate::error::{AppError, AppResult};
use crate::ids::{ImportId, OfficialId, OrganizationId};
use crate::officials::model::ProfileData;
use crate::org::service::visible;

/// A mapped column: where it is, what it is called, what it fills.
struct Column {
    index: usize,
    heading: String,
    field: &'static str,
    kind: FieldKind,
}

/// What every row of one import is read against.
struct Plan {
    kind: Kind,
    columns: Vec<Column>,
    catalogs: HashMap<String, Vec<(String, String)>>,
    organization: OrganizationId,
    /// Organization codes already looked up (`None`: not one the caller sees).
    units: HashMap<String, Option<OrganizationId>>,
}

impl Plan {
    fn heading_of(&self, field: &str) -> Option<String> {
        self.columns
            .iter()
            .find(|c| c.field == field)
            .map(|c| c.heading.clone())
    }
}

/// What became of a row.
pub(super) enum Outcome {
    Created,
    Updated,
}

/// Reads, checks and (unless a dry run) writes the file; records the
/// import with its report and audits it at the importing unit. `progress`
/// is handed the running import before the first row and after each row,
/// for another connection to record while this transaction is open.
pub fn run(
    ctx: &mut Ctx,
    job: ImportJob,
    progress: &mut dyn FnMut(&ImportRow),
) -> AppResult<ImportView> {
    repo::hold(ctx.conn, job.id)?;
    // the audit lock is taken at the end, not held through every row
    ctx.defer_audits();
    let unit = visible(ctx, job.organization)
        .map_err(|_| AppError::invalid("organization_id", "no such organization"))?;
    ctx.scope.require_write(&unit.path, &unit.code)?;
    let mapping = chosen_mapping(ctx, &unit, job.kind, &job.mapping)?;
    let sheet = sheet::read(&job.content)?;
    let (at, heading) = heading_row(&mapping, &sheet.lines)?;
    let lines = &sheet.lines[at + 1..];
    let (columns, mut findings) = columns(job.kind, &mapping, heading)?;
    let mut plan = Plan {
        kind: job.kind,
        columns,
        catalogs: repo::catalogs(ctx.conn)?,
        organization: unit.id,
        units: HashMap::new(),
    };
    let mut row = running(ctx, &job, &unit.path, &mapping, lines.len())?;
    progress(&row);
    let all_at_once = job.dry_run || job.atomicity == Atomicity::File;
    let before_file = ctx.audit_mark();
    savepoint(ctx, "SAVEPOINT import_file", all_at_once)?;
    for line in lines {
        let (fields, mut faults) = read_line(ctx, &mut plan, line)?;
        if faults.iter().all(|f| f.severity == Severity::Warning) {
            let before_row = ctx.audit_mark();
            savepoint(ctx, "SAVEPOINT import_row", true)?;
            match write_line(ctx, &plan, fields) {
                Ok(outcome) => {
                    savepoint(ctx, "RELEASE SAVEPOINT import_row", true)?;
                    match outcome {
                        Outcome::Created => row.created += 1,
                        Outcome::Updated => row.updated += 1,
                    }
                }
                Err(e @ (AppError::Internal(_) | AppError::Unavailable(_))) => return Err(e),
                Err(e) => {
                    savepoint(ctx, "ROLLBACK TO SAVEPOINT import_row", true)?;
                    ctx.forget_audits_since(before_row);
                    faults.extend(refusal(&plan, line.number, e));
                }
            }
        }
        if faults.iter().any(|f| f.severity == Severity::Error) {
            row.rejected += 1;
        }
        findings.extend(faults);
        row.rows_done += 1;
        progress(&row);
    }
    // a dry run, or a file refused whole, leaves nothing behind but its report
    let undo = job.dry_run || (job.atomicity == Atomicity::File && row.rejected > 0);
    savepoint(
        ctx,
        "ROLLBACK TO SAVEPOINT import_file",
        all_at_once && undo,
    )?;
    if all_at_once && undo {
        ctx.forget_audits_since(before_file);
    }
    row.status = ImportStatus::Done;
    row.report = json(&findings)?;
    row.finished_at = Some(ctx.now);
    repo::finish(ctx.conn, &row)?;
    let fields = ["created", "updated", "rejected"].map(String::from).into();
    let event = ctx.event(
        if job.dry_run {
            "import.dry_run"
        } else {
            "import.run"
        },
        "import",
        Some(row.id.to_string()),
        Some(unit.path),
        fields,
    );
    ctx.audit(&event)?;
    Ok(row.into())
}

/// The import as it starts: running, no row done yet.
fn running(
    ctx: &Ctx,
    job: &ImportJob,
    path: &TreePath,
    mapping: &BTreeMap<String, String>,
    rows: usize,
) -> AppResult<ImportRow> {
    Ok(ImportRow {
        id: job.id,
        organization_id: job.organization,
        path: path.clone(),
        kind: job.kind,
        file_name: job.file_name.clone(),
        file_sha256: Sha256::digest(&job.content).to_vec(),
        mapping: json(&listed(mapping))?,
        dry_run: job.dry_run,
        atomicity: job.atomicity,
        status: ImportStatus::Running,
        rows_total: i32::try_from(rows)
            .map_err(|_| AppError::invalid("content_base64", "too many rows"))?,
        rows_done: 0,
        created: 0,
        updated: 0,
        rejected: 0,
        report: Value::Array(Vec::new()),
        created_by: ctx.actor.id,
        created_at: ctx.now,
        finished_at: None,
        failure: None,
        // no user account: the operator's command, as the audit log names it
        operator: ctx.actor.id.is_none().then(|| ctx.actor.name.clone()),
    })
}

/// Records a running import's progress (its own short transaction, beside
/// the import's): not audited, the import's end is.
pub fn record_progress(ctx: &mut Ctx, row: &ImportRow) -> AppResult<()> {
    Ok(repo::record_progress(ctx.conn, row)?)
}

/// Marks an import failed whose data transaction failed (its rows are
/// gone with it), audited as `import.failed`; nothing if it never started
/// or already ended. A reader who found its transaction gone first marked
/// it `abandoned` (and audited that): it is said `aborted` all the same.
pub fn fail(ctx: &mut Ctx, id: ImportId) -> AppResult<()> {
    let Some(row) = repo::find(ctx.conn, id)? else {
        return Ok(());
    };
    let changed = repo::fail(ctx.conn, id, Failure::Aborted, ctx.now)?;
    if changed && row.status == ImportStatus::Running {
        audit_failed(ctx, id, row.path)?;
    }
    Ok(())
}

/// Marks failed the running imports (only `id`, if given) whose process
/// died mid-file, each audited as `import.failed`: their rows were never
/// kept, and now their stored state says so (decision 0039).
pub fn settle(ctx: &mut Ctx, id: Option<ImportId>) -> AppResult<usize> {
    let settled = repo::settle(ctx.conn, id, ctx.now)?;
    let count = settled.len();
    for (id, path) in settled {
        tracing::warn!(%id, "an import whose process died is marked failed");
        audit_failed(ctx, id, path)?;
    }
    Ok(count)
}

fn audit_failed(ctx: &mut Ctx, id: ImportId, path: TreePath) -> AppResult<()> {
    let event = ctx.event(
        "import.failed",
        "import",
        Some(id.to_string()),
        Some(path),
        vec!["status".into(), "failure".into()],
    );
    ctx.audit(&event)
}

/// The mapping an import uses: the one sent (saved at the unit when named,
/// audited as `import.mapping_save`), or the one saved under the name at
/// the unit or the nearest unit above it that the caller reads.
fn chosen_mapping(
    ctx: &mut Ctx,
    unit: &crate::org::model::Organization,
    kind: Kind,
    choice: &MappingChoice,
) -> AppResult<BTreeMap<String, String>> {
    match choice {
        MappingChoice::Given { mapping, save_as } => {
            if let Some(name) = save_as {
                let saved = SavedMapping {
                    organization_id: unit.id,
                    path: unit.path.clone(),
                    kind,
                    name: name.clone(),
                    mapping: json(&listed(mapping))?,
                    saved_by: ctx.actor.id,
                    saved_at: ctx.now,
                };
                repo::save_mapping(ctx.conn, &saved)?;
                let event = ctx.event(
                    "import.mapping_save",
                    "import_mapping",
                    Some(name.clone()),
                    Some(unit.path.clone()),
                    vec!["mapping".into()],
                );
                ctx.audit(&event)?;
            }
            Ok(mapping.clone())
        }
        MappingChoice::Saved(name) => {
            let saved = repo::mappings_above(ctx.conn, &unit.path, kind)?
                .into_iter()
                .find(|m| m.name == *name)
                .ok_or_else(|| AppError::invalid("mapping_name", "no mapping is saved so"))?;
            let columns: Vec<ColumnMapping> = serde_json::from_value(saved.mapping)
                .map_err(|e| AppError::Internal(format!("a saved mapping: {e}")))?;
            super::model::mapping_of(columns)
        }
    }
}

fn listed(mapping: &BTreeMap<String, String>) -> Vec<ColumnMapping> {
    mapping
        .iter()
        .map(|(column, field)| ColumnMapping {
            column: column.clone(),
            field: field.clone(),
        })
        .collect()
}

/// The mappings an import at `organization` may name, the nearest first.
pub fn mappings(
    ctx: &mut Ctx,
    organization: OrganizationId,
    kind: Kind,
) -> AppResult<Vec<SavedMapping>> {
    let unit = visible(ctx, organization)
        .map_err(|_| AppError::invalid("organization_id", "no such organization"))?;
    Ok(repo::mappings_above(ctx.conn, &unit.path, kind)?)
}

/// An import the caller may read; one whose process died mid-file is
/// first marked failed. A caller who may not change it still sees it
/// failed (nothing of its rows was kept), until one who may marks it.
pub fn get(ctx: &mut Ctx, id: ImportId) -> AppResult<ImportView> {
    settle(ctx, Some(id))?;
    let mut row = repo::find(ctx.conn, id)?
        .filter(|row| ctx.scope.can_read(&row.path))
        .ok_or(AppError::NotFound { entity: "import" })?;
    if row.status == ImportStatus::Running && repo::is_abandoned(ctx.conn, id)? {
        row.status = ImportStatus::Failed;
        row.failure = Some(Failure::Abandoned);
    }
    Ok(row.into())
}

fn json<T: serde::Serialize>(value: &T) -> AppResult<Value> {
    serde_json::to_value(value).map_err(|e| AppError::Internal(format!("an import's report: {e}")))
}

fn savepoint(ctx: &mut Ctx, statement: &str, when: bool) -> AppResult<()> {
    use diesel::RunQueryDsl;
    if when {
        diesel::sql_query(statement).execute(ctx.conn)?;
    }
    Ok(())
}

/// Rows a title may take above the heading.
const HEADING_WITHIN: usize = 20;

/// The heading: the first row holding every mapped heading (titles above
/// it are skipped), with its place among the rows.
fn heading_row<'a>(
    mapping: &BTreeMap<String, String>,
    lines: &'a [Line],
) -> AppResult<(usize, &'a Line)> {
    let wanted: Vec<String> = mapping.keys().map(|k| normalize::heading(k)).collect();
    let missing = |line: &Line| -> Vec<String> {
        let held: Vec<String> = line
            .cells
            .iter()
            .map(|c| normalize::heading(&c.text))
            .collect();
        wanted
            .iter()
            .filter(|w| !held.contains(w))
            .cloned()
            .collect()
    };
    let candidates = lines.iter().take(HEADING_WITHIN).enumerate();
    if let Some(found) = candidates
        .clone()
        .find(|(_, line)| missing(line).is_empty())
    {
        return Ok(found);
    }
    let (_, closest) = candidates
        .min_by_key(|(_, line)| missing(line).len())
        .ok_or_else(|| AppError::invalid("content_base64", "the file holds no rows"))?;
    Err(AppError::invalid(
        "mapping",
        format!(
            "no row holds every mapped heading; row {} lacks: {}",
            closest.number,
            missing(closest).join(", ")
        ),
    ))
}

/// The mapped columns, found in the heading; a warning for each column
/// left unmapped (its cells are ignored).
fn columns(
    kind: Kind,
    mapping: &BTreeMap<String, String>,
    heading: &Line,
) -> AppResult<(Vec<Column>, Vec<Finding>)> {
    let row = heading.number;
    let heading: Vec<String> = heading.cells.iter().map(|c| c.text.clone()).collect();
    let headings: Vec<String> = heading.iter().map(|h| normalize::heading(h)).collect();
    let mut columns: Vec<Column> = Vec::new();
    for (from, field) in mapping {
        let at = format!("mapping[{from}]");
        let (field, kind) = field_of(kind, field)
            .ok_or_else(|| AppError::invalid(&at, format!("{field} is not a field of {kind}")))?;
        let index = headings
            .iter()
            .position(|h| *h == normalize::heading(from))
            .ok_or_else(|| AppError::invalid(&at, "no column of the file has this heading"))?;
        if columns.iter().any(|c| c.field == field) {
            return Err(AppError::invalid(&at, format!("{field} is mapped twice")));
        }
        columns.push(Column {
            index,
            heading: heading[index].clone(),
            field,
            kind,
        });
    }
    let unmapped = heading
        .iter()
        .enumerate()
        .filter(|(i, h)| !h.trim().is_empty() && columns.iter().all(|c| c.index != *i))
        .map(|(_, h)| Finding {
            row,
            column: Some(h.clone()),
            severity: Severity::Warning,
            message: "not mapped: the column is ignored".into(),
        })
        .collect();
    Ok((columns, unmapped))
}

/// A row's cells as profile fields; the faults found reading them.
fn read_line(
    ctx: &mut Ctx,
    plan: &mut Plan,
    line: &Line,
) -> AppResult<(Map<String, Value>, Vec<Finding>)> {
    let mut fields = Map::new();
    let mut faults = Vec::new();
    for i in 0..plan.columns.len() {
        let (index, field, kind, heading) = {
            let c = &plan.columns[i];
            (c.index, c.field, c.kind, c.heading.clone())
        };
        let Some(cell) = line.cells.get(index).filter(|c| !c.text.trim().is_empty()) else {
            continue;
        };
        let finding = |severity, message: String| Finding {
            row: line.number,
            column: Some(heading.clone()),
            severity,
            message,
        };
        match value(ctx, plan, kind, cell)? {
            Read::Value(v) => {
                fields.insert(field.to_owned(), v);
            }
            Read::Warned(v, why) => {
                fields.insert(field.to_owned(), v);
                faults.push(finding(Severity::Warning, why));
            }
            Read::Fault(why) => faults.push(finding(Severity::Error, why)),
        }
    }
    Ok((fields, faults))
}

enum Read {
    Value(Value),
    Warned(Value, String),
    Fault(String),
}

fn value(ctx: &mut Ctx, plan: &mut Plan, kind: FieldKind, cell: &sheet::Cell) -> AppResult<Read> {
    let raw = cell.text.as_str();
    let or_fault = |v: Option<Value>, why: &str| v.map_or(Read::Fault(why.into()), Read::Value);
    Ok(match kind {
        FieldKind::Text => or_fault(normalize::text(raw).map(Value::from), "empty"),
        FieldKind::Digits => match normalize::digits(raw) {
            // a number cell drops leading zeros: a 12-digit code starting 0 comes out short
            Some(d) if cell.number && (9..12).contains(&d.len()) => Read::Warned(
                format!("{d:0>12}").into(),
                "a number cell lost its leading zeros: read as 12 digits (format the column as text)".into(),
            ),
            Some(d) => Read::Value(d.into()),
            None => Read::Fault("must hold digits only (a number in exponent form has lost digits: format the column as text)".into()),
        },
        FieldKind::Date => match normalize::date(raw) {
            Some((d, DateForm::Written)) => Read::Value(d.to_string().into()),
            Some((d, DateForm::Serial)) => Read::Warned(
                d.to_string().into(),
                format!("{raw} read as a spreadsheet day number: {}", d.format("%d/%m/%Y")),
            ),
            None => Read::Fault(format!("{raw:?} is not a date (dd/mm/yyyy or yyyy-mm-dd)")),
        },
        FieldKind::Whole => or_fault(normalize::whole(raw).map(Value::from), "must be a whole number"),
        FieldKind::Decimal => or_fault(normalize::decimal(raw).map(Value::from), "must be a number (4,98 or 4.98)"),
        FieldKind::Percent => or_fault(
            normalize::percent(raw).map(Value::from),
            "must be a whole percent (7 or 7%)",
        ),
        FieldKind::Sex => or_fault(normalize::sex(raw).map(Value::from), "must be Nam or Nữ"),
        FieldKind::Classification => or_fault(
            normalize::classification(raw).map(Value::from),
            "must be Cán bộ, Công chức or Viên chức",
        ),
        FieldKind::Catalog(catalog) => {
            let entries = plan.catalogs.get(catalog).map_or(&[][..], Vec::as_slice);
            match normalize::catalog_code(raw, entries) {
                Some(Matched::Exactly(code)) => Read::Value(code.into()),
                Some(Matched::Loosely(code)) => {
                    let name = entries.iter().find(|(c, _)| *c == code).map_or("", |(_, n)| n);
                    Read::Warned(
                        code.clone().into(),
                        format!("{raw:?} matched {name} ({code}) only without diacritics"),
                    )
                }
                None => Read::Fault(format!("{raw:?} is neither a code nor a name in the {catalog} catalog")),
            }
        }
        FieldKind::Level => or_fault(
            normalize::level(raw).map(Value::from),
            "must be Trung ương, Tỉnh, Huyện or Xã",
        ),
        FieldKind::Code => or_fault(normalize::code(raw).map(Value::from), "empty"),
        FieldKind::Organization => match unit_of(ctx, plan, raw)? {
            Some(id) => Read::Value(id.to_string().into()),
            None => Read::Fault(format!("{raw:?} is not the code of an organization you see")),
        },
    })
}

/// An organization by its code (or id), among those the caller sees.
fn unit_of(ctx: &mut Ctx, plan: &mut Plan, raw: &str) -> AppResult<Option<OrganizationId>> {
    let code = raw.trim().to_uppercase();
    if let Some(known) = plan.units.get(&code) {
        return Ok(*known);
    }
    let found = match raw.trim().parse::<uuid::Uuid>() {
        Ok(id) => visible(ctx, id.into()).ok(),
        Err(_) => {
            crate::org::repo::find_by_code(ctx.conn, &code)?.filter(|o| ctx.scope.can_read(&o.path))
        }
    }
    .map(|o| o.id);
    // a miss is not kept: a later row may name a unit an earlier row creates
    if found.is_some() {
        plan.units.insert(code, found);
    }
    Ok(found)
}

/// Writes the row: the person holding its CBCCVC code or personal
/// identification code is updated with the row's non-empty cells; anyone
/// else is created.
fn write_line(ctx: &mut Ctx, plan: &Plan, fields: Map<String, Value>) -> AppResult<Outcome> {
    match plan.kind {
        Kind::Officials => write_profile(ctx, plan, fields),
        Kind::Organizations => super::units::write(ctx, plan.organization, fields),
    }
}

fn write_profile(ctx: &mut Ctx, plan: &Plan, fields: Map<String, Value>) -> AppResult<Outcome> {
    let code = fields.get("cbccvc_code").and_then(Value::as_str);
    if let Some(id) = code
        .map(|c| repo::by_cbccvc_code(ctx.conn, c))
        .transpose()?
        .flatten()
    {
        return update(ctx, id, fields);
    }
    let mut full = fields.clone();
    for field in ["managing_organization_id", "using_organization_id"] {
        full.entry(field)
            .or_insert_with(|| plan.organization.to_string().into());
    }
    let data: ProfileData = serde_json::from_value(Value::Object(full)).map_err(missing)?;
    match crate::officials::service::create(ctx, data) {
        Ok(_) => Ok(Outcome::Created),
        Err(AppError::Duplicate { existing, .. }) => {
            let id = existing
                .rsplit('/')
                .next()
                .and_then(|id| id.parse::<uuid::Uuid>().ok())
                .ok_or_else(|| AppError::Internal(format!("a duplicate's pointer {existing}")))?;
            update(ctx, OfficialId::from(id), fields)
        }
        Err(e) => Err(e),
    }
}

fn update(ctx: &mut Ctx, id: OfficialId, fields: Map<String, Value>) -> AppResult<Outcome> {
    let version = crate::officials::service::get(ctx, id)?.version;
    crate::officials::service::update(ctx, id, version, fields)?;
    Ok(Outcome::Updated)
}

/// A field a new profile (or unit) needs and no column gave.
pub(super) fn missing(e: serde_json::Error) -> AppError {
    let text = e.to_string();
    match text.split('`').nth(1) {
        Some(field) if text.starts_with("missing field") => AppError::invalid(
            field,
            "is required for a new profile and no column gives it",
        ),
        _ => AppError::invalid("row", text),
    }
}

/// What a refused write says, by column where it names a field.
fn refusal(plan: &Plan, row: usize, e: AppError) -> Vec<Finding> {
    let finding = |field: Option<&str>, message: String| Finding {
        row,
        column: field.and_then(|f| plan.heading_of(f).or_else(|| Some(f.to_owned()))),
        severity: Severity::Error,
        message,
    };
    match e {
        AppError::Validation(errors) => errors
            .into_iter()
            .map(|fe| finding(Some(fe.field.as_str()), fe.message))
            .collect(),
        other => vec![finding(None, other.to_string())],
    }
}
