//! The Table 27 statistics of a subtree (issue 14 over the reports issue):
//! the table chosen, the unit typed by its code (the caller's own unit by
//! default), a date and, for staffing, a period; shown as a table and
//! downloaded as CSV or XLSX by the same service and sheet as
//! `GET /api/v1/statistics/{table}`.

use actix_web::{web, HttpResponse};
use maud::{html, Markup};
use serde::Deserialize;

use super::browser::SignedIn;
use super::error::PortalError;
use super::format::{self, given};
use super::i18n::Lang;
use super::page::{self, Field, Kind, Nav};
use crate::auth::caller::Permission;
use crate::context::{Ctx, Scope};
use crate::error::{AppError, AppResult, FieldError};
use crate::export::{csv_file, xlsx_file, Format};
use crate::http::export::file;
use crate::ids::OrganizationId;
use crate::org::filter::AsOf;
use crate::org::read;
use crate::reports::model::{Report, StatTable, StatsFilter};
use crate::reports::service;
use crate::staffing::model::Period;

/// The form as sent (`format=csv|xlsx` downloads the table instead).
#[derive(Debug, Default, Deserialize)]
pub struct StatsForm {
    table: Option<String>,
    organization_code: Option<String>,
    as_of: Option<String>,
    period: Option<String>,
    format: Option<String>,
}

/// A table asked for, with the unit it counts.
struct Asked {
    table: StatTable,
    unit: Unit,
    as_of: Option<chrono::NaiveDate>,
    period: Option<Period>,
}

/// The unit typed by its code, or the caller's own by default.
enum Unit {
    Code(String),
    Own(OrganizationId),
}

/// What was typed as the report's filter, or the errors beside the fields.
fn asked(
    lang: Lang,
    form: &StatsForm,
    own: Option<OrganizationId>,
) -> Result<Asked, Vec<FieldError>> {
    let mut errors = Vec::new();
    let table = match given(&form.table) {
        None => Some(StatTable::Ranks),
        Some(word) => word.parse().ok(),
    };
    if table.is_none() {
        errors.push(FieldError::new("table", lang.t("rule-choose")));
    }
    let as_of = format::parse_date(form.as_of.as_deref().unwrap_or_default())
        .map_err(|_| errors.push(FieldError::new("as_of", lang.t("invalid-date"))))
        .unwrap_or_default();
    let period = given(&form.period)
        .map(|p| Period::parse(&p))
        .transpose()
        .map_err(|_| errors.push(FieldError::new("period", lang.t("stats-invalid-period"))))
        .unwrap_or_default();
    let unit = match (given(&form.organization_code), own) {
        (Some(code), _) => Some(Unit::Code(code)),
        (None, Some(id)) => Some(Unit::Own(id)),
        (None, None) => {
            errors.push(FieldError::new(
                "organization_code",
                lang.t("rule-required"),
            ));
            None
        }
    };
    match (table, unit) {
        (Some(table), Some(unit)) if errors.is_empty() => Ok(Asked {
            table,
            unit,
            as_of,
            period,
        }),
        _ => Err(errors),
    }
}

/// The unit's code and name, and its table.
fn report(ctx: &mut Ctx, asked: Asked) -> AppResult<(String, String, Report)> {
    let not_seen = |_| AppError::invalid("organization_code", "no such organization");
    let unit = match asked.unit {
        Unit::Code(code) => read::read_by_code(ctx, &code).map_err(not_seen)?,
        Unit::Own(id) => read::read(ctx, id, AsOf(None)).map_err(not_seen)?,
    };
    let filter = StatsFilter {
        table: asked.table,
        organization: unit.organization.id,
        as_of: asked.as_of,
        period: asked.period,
    };
    let report = service::statistics(ctx, filter)?;
    Ok((unit.organization.code, unit.organization.name, report))
}

/// The first unit of the caller's grants that `scope` reads.
fn own_unit(user: &SignedIn, scope: &Scope) -> Option<OrganizationId> {
    let roots = scope.read_roots()?;
    user.caller
        .grants
        .iter()
        .find(|g| roots.contains(&g.path))
        .map(|g| g.organization_id)
}

pub async fn statistics(
    user: SignedIn,
    query: web::Query<StatsForm>,
) -> Result<HttpResponse, PortalError> {
    let lang = user.lang();
    let form = query.into_inner();
    // the organization table counts units; the others count people
    let permission = match form.table.as_deref() {
        Some("organizations") => Permission::ReadOrganizations,
        _ => Permission::ReadPersonnel,
    };
    let scope = user.require(permission)?;
    let download = match form.format.as_deref() {
        None | Some("") => None,
        Some("csv") => Some(Format::Csv),
        Some("xlsx") => Some(Format::Xlsx),
        Some(_) => return Err(user.fail(AppError::invalid("format", "csv or xlsx"))),
    };
    let outcome = match asked(lang, &form, own_unit(&user, &scope)) {
        Err(errors) => Err(errors),
        Ok(asked) => match user
            .visitor
            .app
            .as_caller(&user.caller, scope, move |ctx| report(ctx, asked))
            .await
        {
            Ok(found) => Ok(found),
            Err(AppError::Validation(errors)) => Err(errors
                .into_iter()
                .map(|e| super::form::translate(lang, e))
                .collect()),
            Err(other) => return Err(user.fail(other)),
        },
    };
    if let (Some(format), Ok((code, _, report))) = (download, &outcome) {
        return downloaded(format, code, report).map_err(|e| user.fail(e));
    }
    let errors = outcome.as_ref().err().cloned().unwrap_or_default();
    let shown_code = match &outcome {
        Ok((code, _, _)) => code.clone(),
        Err(_) => form.organization_code.clone().unwrap_or_default(),
    };
    let body = html! {
        @if user.may(Permission::EditPersonnel) {
            p { a href="/imports/new" { (lang.t("stats-import")) } }
        }
        (filters(lang, &form, &shown_code, &errors))
        @if let Ok((code, name, report)) = &outcome {
            (shown(lang, &form, code, name, report))
        }
    };
    let status = if errors.is_empty() {
        actix_web::http::StatusCode::OK
    } else {
        actix_web::http::StatusCode::UNPROCESSABLE_ENTITY
    };
    let title = lang.t("stats-title");
    Ok(user.visitor.respond(
        status,
        page::signed_in_page(&user, Nav::Reports, &title, body),
    ))
}

/// The table as the API's file: the same heading and rows.
fn downloaded(format: Format, code: &str, report: &Report) -> AppResult<HttpResponse> {
    let name = format!("thong-ke-{}-{}-{}", report.table, code, report.as_of);
    let (heading, rows) = report.sheet();
    let body = if format == Format::Xlsx {
        xlsx_file(report.table.as_str(), heading, &rows)?
    } else {
        csv_file(heading, &rows)?
    };
    Ok(file(format, &name, body))
}

fn filters(lang: Lang, form: &StatsForm, code: &str, errors: &[FieldError]) -> Markup {
    let error_of = |name: &str| {
        errors
            .iter()
            .find(|e| e.field == name)
            .map(|e| e.message.clone())
    };
    let tables = StatTable::ALL
        .iter()
        .map(|t| (t.to_string(), lang.t(&format!("stats-table-{t}"))))
        .collect();
    let typed = |v: &Option<String>| v.clone().unwrap_or_default();
    let fields = [
        Field {
            error: error_of("table"),
            ..Field::new(
                "table",
                lang.t("stats-field-table"),
                typed(&form.table),
                Kind::Select(tables),
            )
        },
        Field {
            error: error_of("organization_code"),
            hint: Some(lang.t("stats-field-organization-code-hint")),
            ..Field::new(
                "organization_code",
                lang.t("stats-field-organization-code"),
                code,
                Kind::Text,
            )
        },
        Field {
            error: error_of("as_of"),
            ..Field::new(
                "as_of",
                lang.t("field-as-of"),
                typed(&form.as_of),
                Kind::Date,
            )
        },
        Field {
            error: error_of("period"),
            hint: Some(lang.t("stats-field-period-hint")),
            ..Field::new(
                "period",
                lang.t("stats-field-period"),
                typed(&form.period),
                Kind::Text,
            )
        },
    ];
    let summary: Vec<(String, String)> = errors
        .iter()
        .map(|e| (e.field.clone(), e.message.clone()))
        .collect();
    html! {
        (page::error_summary(lang, &summary))
        form.filters method="get" action="/statistics" {
            @for field in &fields { (page::field(lang, field)) }
            div.actions { button.button type="submit" { (lang.t("stats-show")) } }
        }
    }
}

/// The link that downloads what is shown.
fn download_link(form: &StatsForm, code: &str, report: &Report, format: &str) -> String {
    let as_of = format::date(report.as_of);
    let mut pairs = vec![
        ("table", report.table.as_str()),
        ("organization_code", code),
        ("as_of", as_of.as_str()),
    ];
    let period = given(&form.period).unwrap_or_default();
    if !period.is_empty() {
        pairs.push(("period", &period));
    }
    pairs.push(("format", format));
    format!("/statistics?{}", format::query_string(&pairs))
}

fn shown(lang: Lang, form: &StatsForm, code: &str, name: &str, report: &Report) -> Markup {
    let table = lang.t(&format!("stats-table-{}", report.table));
    html! {
        h2 { (table) }
        p.lead {
            (lang.t_with("stats-of", &[("unit", name), ("code", code), ("date", &format::date(report.as_of))]))
            @if let Some(period) = &report.period { " " (lang.t_with("stats-period", &[("period", period)])) }
        }
        p { (lang.t_with("stats-total", &[("total", &report.total.to_string())])) }
        p.actions {
            a.button href=(download_link(form, code, report, "csv")) { (lang.t("stats-download-csv")) }
            " "
            a.button href=(download_link(form, code, report, "xlsx")) { (lang.t("stats-download-xlsx")) }
        }
        @match &report.quotas {
            Some(quotas) => (staffing(lang, quotas)),
            None => (counts(lang, report)),
        }
    }
}

fn counts(lang: Lang, report: &Report) -> Markup {
    let people = report.table != StatTable::Organizations;
    html! {
        @if report.rows.is_empty() {
            p { (lang.t("stats-none")) }
        } @else {
            div.table-wrap {
                table {
                    caption.visually-hidden { (lang.t(&format!("stats-table-{}", report.table))) }
                    thead { tr {
                        th scope="col" { (lang.t("stats-dimension")) }
                        th scope="col" { (lang.t("stats-code")) }
                        th scope="col" { (lang.t("stats-name")) }
                        th scope="col" { (lang.t("stats-count")) }
                        @if people {
                            th scope="col" { (lang.t("stats-female")) }
                            th scope="col" { (lang.t("stats-ethnic-minority")) }
                        }
                    } }
                    tbody {
                        @for row in &report.rows {
                            tr {
                                td { (lang.t(&format!("stats-dim-{}", row.dimension))) }
                                td { code { (row.code) } }
                                th scope="row" { (row.name) }
                                td.number { (row.count) }
                                @if people {
                                    td.number { (row.female.map(|n| n.to_string()).unwrap_or_default()) }
                                    td.number { (row.ethnic_minority.map(|n| n.to_string()).unwrap_or_default()) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn staffing(lang: Lang, rows: &[crate::reports::model::StaffingRow]) -> Markup {
    let number = |n: Option<i64>| n.map(|n| n.to_string()).unwrap_or_default();
    html! {
        @if rows.is_empty() {
            p { (lang.t("stats-none")) }
        } @else {
            div.table-wrap {
                table {
                    caption.visually-hidden { (lang.t("stats-table-staffing")) }
                    thead { tr {
                        th scope="col" { (lang.t("stats-section")) }
                        th scope="col" { (lang.t("stats-unit")) }
                        th scope="col" { (lang.t("stats-category")) }
                        th scope="col" { (lang.t("stats-assigned")) }
                        th scope="col" { (lang.t("stats-current")) }
                        th scope="col" { (lang.t("stats-reported")) }
                        th scope="col" { (lang.t("stats-vacancies")) }
                    } }
                    tbody {
                        @for row in rows {
                            tr {
                                td { (row.section.as_deref().and_then(|s| crate::reports::model::fixed_name("section", s)).unwrap_or_default()) }
                                th scope="row" {
                                    @match (&row.code, &row.name) {
                                        (Some(code), Some(name)) => { (name) " (" (code) ")" },
                                        _ => { (lang.t("stats-sum")) },
                                    }
                                }
                                td { (row.category) }
                                td.number { (row.assigned) }
                                td.number { (number(row.current)) }
                                td.number { (row.reported) }
                                td.number { (number(row.vacancies)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn every_table_and_dimension_has_its_words() {
        for lang in Lang::ALL {
            for table in StatTable::ALL {
                assert!(lang.has(&format!("stats-table-{table}")), "{table}");
                for dimension in table.dimensions() {
                    assert!(lang.has(&format!("stats-dim-{dimension}")), "{dimension}");
                }
            }
            assert!(lang.has("stats-dim-total"));
        }
    }

    #[test]
    fn a_typed_filter_is_read_or_refused_beside_its_field() {
        let form = StatsForm {
            table: Some("age_bands".into()),
            as_of: Some("31/12/2025".into()),
            ..StatsForm::default()
        };
        let own = OrganizationId::new_random();
        let read = asked(Lang::Vi, &form, Some(own)).unwrap();
        assert_eq!(read.table, StatTable::AgeBands);
        assert!(matches!(read.unit, Unit::Own(id) if id == own));
        let bad = StatsForm {
            table: Some("salaries".into()),
            as_of: Some("cuối năm".into()),
            period: Some("năm 2025".into()),
            ..StatsForm::default()
        };
        let fields: Vec<String> = asked(Lang::Vi, &bad, None)
            .err()
            .unwrap()
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(fields, ["table", "as_of", "period", "organization_code"]);
    }
}
