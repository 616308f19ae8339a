//! An import as sent, as stored, and the profile fields a column may fill.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::ltree::TreePath;
use crate::db::schema::{import_mappings, imports};
use crate::error::{AppError, AppResult};
use crate::ids::{ImportId, OrganizationId, UserId};
use crate::text_enum;

text_enum!(
    /// What the file holds.
    Kind {
        Officials = "officials",
        Organizations = "organizations",
    }
);

text_enum!(
    /// What a fault undoes: the whole file, or only its row.
    Atomicity {
        File = "file",
        Row = "row",
    }
);

text_enum!(
    ImportStatus {
        Running = "running",
        Done = "done",
        Failed = "failed",
    }
);

text_enum!(
    /// Why an import failed: `aborted`, its data transaction failed and
    /// its process recorded it; `abandoned`, found running with no
    /// transaction behind it, its process having died (decision 0039).
    Failure {
        Aborted = "aborted",
        Abandoned = "abandoned",
    }
);

text_enum!(
    Severity {
        Error = "error",
        Warning = "warning",
    }
);

/// Body of `POST /imports`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    pub kind: Kind,
    /// The unit importing: where the import is recorded, and the managing
    /// and using organization of rows that name none.
    pub organization_id: OrganizationId,
    pub file_name: String,
    pub content_base64: String,
    /// Which column fills which profile field; or `mapping_name`.
    #[serde(default)]
    pub mapping: Option<Vec<ColumnMapping>>,
    /// A mapping saved at the unit or a unit above it, used instead.
    #[serde(default)]
    pub mapping_name: Option<String>,
    /// Saves `mapping` at the unit under this name (replacing one so named).
    #[serde(default)]
    pub save_mapping_as: Option<String>,
    #[serde(default)]
    pub dry_run: bool,
    #[serde(default = "file_atomicity")]
    pub atomicity: Atomicity,
}

/// A column heading and the profile field its cells fill.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ColumnMapping {
    pub column: String,
    pub field: String,
}

/// The mapping as a map, refusing a heading mapped twice.
pub fn mapping_of(columns: Vec<ColumnMapping>) -> AppResult<BTreeMap<String, String>> {
    let mut mapping = BTreeMap::new();
    for (i, c) in columns.into_iter().enumerate() {
        if mapping.insert(c.column, c.field).is_some() {
            return Err(AppError::invalid(
                format!("mapping[{i}].column"),
                "is mapped twice",
            ));
        }
    }
    if mapping.is_empty() {
        return Err(AppError::invalid("mapping", "map at least one column"));
    }
    Ok(mapping)
}

fn file_atomicity() -> Atomicity {
    Atomicity::File
}

/// An import to run: the request with the file decoded.
#[derive(Debug, Clone)]
pub struct ImportJob {
    /// Chosen before the import starts, so its progress can be read while it runs.
    pub id: ImportId,
    pub kind: Kind,
    pub organization: OrganizationId,
    pub file_name: String,
    pub content: Vec<u8>,
    pub mapping: MappingChoice,
    pub dry_run: bool,
    pub atomicity: Atomicity,
}

/// The mapping an import uses.
#[derive(Debug, Clone)]
pub enum MappingChoice {
    /// Sent with the file; saved at the unit under the name, if one is given.
    Given {
        mapping: BTreeMap<String, String>,
        save_as: Option<String>,
    },
    /// Saved earlier at the unit or above it, by this name.
    Saved(String),
}

/// A saved mapping's name, trimmed: 1 to 100 characters.
pub fn mapping_name(field: &str, name: &str) -> AppResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid(field, "1 to 100 characters"));
    }
    Ok(name.to_owned())
}

/// A column mapping saved at a unit.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = import_mappings, check_for_backend(diesel::pg::Pg))]
pub struct SavedMapping {
    pub organization_id: OrganizationId,
    #[serde(skip)]
    pub path: TreePath,
    pub kind: Kind,
    pub name: String,
    pub mapping: serde_json::Value,
    #[serde(skip)]
    pub saved_by: Option<UserId>,
    pub saved_at: DateTime<Utc>,
}

/// `GET /imports/mappings` as sent.
#[derive(Debug, Default, Deserialize)]
pub struct MappingsQuery {
    pub organization_id: Option<String>,
    /// `officials` (the default) or `organizations`.
    pub kind: Option<String>,
}

/// One finding: a row (as the spreadsheet numbers it), maybe a column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub row: usize,
    pub column: Option<String>,
    pub severity: Severity,
    pub message: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = imports, check_for_backend(diesel::pg::Pg))]
pub struct ImportRow {
    pub id: ImportId,
    pub organization_id: OrganizationId,
    pub path: TreePath,
    pub kind: Kind,
    pub file_name: String,
    pub file_sha256: Vec<u8>,
    pub mapping: serde_json::Value,
    pub dry_run: bool,
    pub atomicity: Atomicity,
    pub status: ImportStatus,
    pub rows_total: i32,
    pub rows_done: i32,
    pub created: i32,
    pub updated: i32,
    pub rejected: i32,
    pub report: serde_json::Value,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub failure: Option<Failure>,
    /// The operator's command, as the audit log names it, when the import
    /// was made on the command line (no user account made it).
    pub operator: Option<String>,
}

/// `GET /imports/{id}`: the counts and the per-row report.
#[derive(Debug, Clone, Serialize)]
pub struct ImportView {
    pub id: ImportId,
    pub kind: Kind,
    pub organization_id: OrganizationId,
    pub file_name: String,
    pub file_sha256: String,
    pub mapping: serde_json::Value,
    pub dry_run: bool,
    pub atomicity: Atomicity,
    pub status: ImportStatus,
    /// Why it failed, when it did.
    pub failure: Option<Failure>,
    pub rows_total: i32,
    pub rows_done: i32,
    /// Profiles created (in a dry run, or a file refused whole: that would be).
    pub created: i32,
    pub updated: i32,
    pub rejected: i32,
    /// Whether the rows were written: only once done, not in a dry run, nor
    /// when a fault refused the whole file.
    pub written: bool,
    pub report: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl From<ImportRow> for ImportView {
    fn from(row: ImportRow) -> Self {
        ImportView {
            written: row.status == ImportStatus::Done
                && !row.dry_run
                && (row.atomicity == Atomicity::Row || row.rejected == 0),
            id: row.id,
            kind: row.kind,
            organization_id: row.organization_id,
            file_name: row.file_name,
            file_sha256: hex::encode(row.file_sha256),
            mapping: row.mapping,
            dry_run: row.dry_run,
            atomicity: row.atomicity,
            status: row.status,
            failure: row.failure,
            rows_total: row.rows_total,
            rows_done: row.rows_done,
            created: row.created,
            updated: row.updated,
            rejected: row.rejected,
            report: row.report,
            created_at: row.created_at,
            finished_at: row.finished_at,
        }
    }
}

/// How a column's cells become a profile field's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    Digits,
    Date,
    Whole,
    Decimal,
    Percent,
    Sex,
    Classification,
    /// A code of this catalog, or its name.
    Catalog(&'static str),
    /// An organization's code (or id).
    Organization,
    /// A level word (Cấp): tỉnh, huyện, ...
    Level,
    /// An organization's own code, upper-cased.
    Code,
}

/// The profile fields a column may fill, and how.
pub const FIELDS: &[(&str, FieldKind)] = &[
    ("classification", FieldKind::Classification),
    ("managing_organization_id", FieldKind::Organization),
    ("using_organization_id", FieldKind::Organization),
    ("cbccvc_code", FieldKind::Text),
    ("full_name", FieldKind::Text),
    ("other_names", FieldKind::Text),
    ("sex", FieldKind::Sex),
    ("birth_date", FieldKind::Date),
    ("identity_card_number", FieldKind::Digits),
    ("identity_card_issued_on", FieldKind::Date),
    ("identity_card_issued_place", FieldKind::Text),
    ("personal_identification_code", FieldKind::Digits),
    ("social_insurance_number", FieldKind::Digits),
    ("ethnic_group_code", FieldKind::Catalog("ethnic_group")),
    ("religion_code", FieldKind::Catalog("religion")),
    ("hometown", FieldKind::Text),
    ("birthplace", FieldKind::Text),
    ("current_address", FieldKind::Text),
    ("phone", FieldKind::Text),
    ("email", FieldKind::Text),
    ("first_recruited_on", FieldKind::Date),
    ("recruiting_agency", FieldKind::Text),
    ("recruiting_position", FieldKind::Text),
    ("joined_current_agency_on", FieldKind::Date),
    ("job_position", FieldKind::Text),
    ("rank_code", FieldKind::Catalog("rank")),
    ("rank_since", FieldKind::Date),
    ("salary_step", FieldKind::Whole),
    ("salary_coefficient", FieldKind::Decimal),
    ("salary_step_since", FieldKind::Date),
    ("seniority_allowance_percent", FieldKind::Percent),
    ("next_raise_on", FieldKind::Date),
    ("position_code", FieldKind::Catalog("position")),
    ("first_appointed_on", FieldKind::Date),
    ("reappointed_on", FieldKind::Date),
    ("term", FieldKind::Text),
    ("concurrent_positions", FieldKind::Text),
    ("general_education", FieldKind::Text),
    (
        "education_level_code",
        FieldKind::Catalog("education_level"),
    ),
    ("it_level", FieldKind::Text),
    (
        "political_theory_code",
        FieldKind::Catalog("political_theory"),
    ),
    (
        "state_management_code",
        FieldKind::Catalog("state_management"),
    ),
    ("defence_security_training", FieldKind::Text),
    ("minority_languages", FieldKind::Text),
    ("academic_title_code", FieldKind::Catalog("academic_title")),
    ("academic_title_on", FieldKind::Date),
    ("degree_code", FieldKind::Catalog("degree")),
    ("degree_on", FieldKind::Date),
    ("degree_specialty", FieldKind::Text),
    ("party_admitted_on", FieldKind::Date),
    ("party_official_on", FieldKind::Date),
    ("party_card_number", FieldKind::Digits),
    ("party_position", FieldKind::Text),
];

/// The organization fields a column may fill: those of
/// `POST /organizations` by the importer's words, the parent by its code,
/// and the date a unit was established or moved.
pub const ORGANIZATION_FIELDS: &[(&str, FieldKind)] = &[
    ("code", FieldKind::Code),
    ("name", FieldKind::Text),
    ("abbreviation", FieldKind::Text),
    ("type", FieldKind::Text),
    ("level", FieldKind::Level),
    ("group", FieldKind::Whole),
    ("parent_code", FieldKind::Organization),
    ("effective_date", FieldKind::Date),
];

/// The fields a column of a file of `kind` may fill.
pub fn fields_of(kind: Kind) -> &'static [(&'static str, FieldKind)] {
    match kind {
        Kind::Officials => FIELDS,
        Kind::Organizations => ORGANIZATION_FIELDS,
    }
}

/// A field of a file of `kind`, as the table spells it, and how it is read.
pub fn field_of(kind: Kind, field: &str) -> Option<(&'static str, FieldKind)> {
    fields_of(kind).iter().find(|(f, _)| *f == field).copied()
}
