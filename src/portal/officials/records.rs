//! A profile's histories as the 2C form tabulates them: training, career,
//! salary, allowances, evaluations, rewards and disciplines. Declarations of
//! property and income are not part of the résumé and are not shown here.

use maud::{html, Markup};
use serde_json::Value;

use super::sections::{decimal, Catalogs};
use crate::officials::model::RecordKind;
use crate::officials::view::RecordView;
use crate::portal::format;
use crate::portal::i18n::Lang;

/// The kinds the résumé shows, in its order.
pub const RESUME_KINDS: [RecordKind; 7] = [
    RecordKind::Training,
    RecordKind::Career,
    RecordKind::Salary,
    RecordKind::Allowance,
    RecordKind::Evaluation,
    RecordKind::Reward,
    RecordKind::Discipline,
];

/// The detail columns of a kind, after its period.
fn columns(kind: RecordKind) -> &'static [&'static str] {
    match kind {
        RecordKind::Career => &["organization_name", "position", "decision_number"],
        RecordKind::Training => &["specialty", "level", "institution", "result", "country"],
        RecordKind::Salary => &["rank_code", "salary_step", "salary_coefficient", "percent"],
        RecordKind::Allowance => &["allowance_type", "coefficient", "percent", "amount"],
        RecordKind::Evaluation => &["year", "result_code", "evaluating_authority"],
        RecordKind::Reward | RecordKind::Discipline => {
            &["form", "decided_by", "decision_number", "reason"]
        }
        RecordKind::Property
        | RecordKind::Income
        | RecordKind::Family
        | RecordKind::MilitaryService
        | RecordKind::MassOrganization
        | RecordKind::Health
        | RecordKind::PersonalHistory
        | RecordKind::ForeignRelation => &[],
    }
}

/// Evaluations are by year; the others have a period.
fn has_period(kind: RecordKind) -> bool {
    kind != RecordKind::Evaluation
}

fn cell(lang: Lang, catalogs: &Catalogs, column: &str, value: &Value) -> String {
    match (column, value) {
        (_, Value::Null) => String::new(),
        ("rank_code", Value::String(code)) => catalogs.name("rank", code).to_owned(),
        ("result_code", Value::String(code)) => catalogs.name("evaluation_result", code).to_owned(),
        ("salary_coefficient" | "coefficient", Value::Number(n)) => {
            n.as_f64().map(|f| decimal(lang, f)).unwrap_or_default()
        }
        (_, Value::String(text)) => text.clone(),
        (_, other) => other.to_string(),
    }
}

/// The entries of one kind as a table, or a line saying there are none.
pub fn table(lang: Lang, catalogs: &Catalogs, kind: RecordKind, records: &[RecordView]) -> Markup {
    let rows: Vec<&RecordView> = records.iter().filter(|r| r.kind == kind).collect();
    let columns = columns(kind);
    html! {
        @if rows.is_empty() {
            p { (lang.t("records-none")) }
        } @else {
            div.table-wrap {
                table {
                    caption.visually-hidden { (lang.t(&format!("records-{kind}"))) }
                    thead { tr {
                        @if has_period(kind) {
                            th scope="col" { (lang.t("col-from-date")) }
                            th scope="col" { (lang.t("col-to-date")) }
                        }
                        @for column in columns {
                            th scope="col" { (lang.t(&format!("col-{}", column.replace('_', "-")))) }
                        }
                    } }
                    tbody {
                        @for record in rows {
                            tr {
                                @if has_period(kind) {
                                    td { (format::maybe_date(record.from_date)) }
                                    td { (format::maybe_date(record.to_date)) }
                                }
                                @for column in columns {
                                    td { (cell(lang, catalogs, column, &record.data[*column])) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
