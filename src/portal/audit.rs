//! The audit log for auditors: the API's search (action, entity, dates),
//! newest first, within the subtrees of their auditor grants, by the same
//! audit service. Dates are typed dd/mm/yyyy and read as whole days in
//! Vietnam's time.

use actix_web::{web, HttpResponse};
use chrono::{Duration, NaiveDate, NaiveTime};
use maud::{html, Markup};
use serde::Deserialize;

use super::browser::SignedIn;
use super::error::PortalError;
use super::format::{self, given};
use super::i18n::Lang;
use super::page::{self, Field, Kind, Nav};
use crate::audit::{self as search, AuditEntry, AuditQuery, AuditSearch};
use crate::auth::caller::Permission;
use crate::error::{AppError, FieldError};
use crate::pagination::Page;

/// The search form as sent.
#[derive(Debug, Default, Deserialize)]
pub struct AuditForm {
    action: Option<String>,
    entity_type: Option<String>,
    entity_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    cursor: Option<String>,
}

const TEXT_FIELDS: [&str; 3] = ["action", "entity_type", "entity_id"];

/// The start of `day` in Vietnam (UTC+7), as the API's RFC 3339 instant.
fn day_starts(day: NaiveDate) -> String {
    (day.and_time(NaiveTime::MIN).and_utc() - Duration::hours(7)).to_rfc3339()
}

/// A typed date, or the error beside its field.
fn typed_day(
    lang: Lang,
    name: &str,
    value: &Option<String>,
) -> Result<Option<NaiveDate>, FieldError> {
    format::parse_date(value.as_deref().unwrap_or_default())
        .map_err(|_| FieldError::new(name, lang.t("invalid-date")))
}

/// The API's query: `from` the first day's start, `to` the last day's end.
fn audit_query(lang: Lang, form: &AuditForm) -> Result<AuditQuery, Vec<FieldError>> {
    let from = typed_day(lang, "from", &form.from);
    let to = typed_day(lang, "to", &form.to);
    let (from, to) = match (from, to) {
        (Ok(from), Ok(to)) => (from, to),
        (from, to) => return Err([from.err(), to.err()].into_iter().flatten().collect()),
    };
    Ok(AuditQuery {
        action: given(&form.action),
        entity_type: given(&form.entity_type),
        entity_id: given(&form.entity_id),
        from: from.map(day_starts),
        to: to.and_then(|d| d.succ_opt()).map(day_starts),
        cursor: given(&form.cursor),
        ..AuditQuery::default()
    })
}

pub async fn log(
    user: SignedIn,
    query: web::Query<AuditForm>,
) -> Result<HttpResponse, PortalError> {
    let lang = user.lang();
    let scope = user.require(Permission::ReadAudit)?;
    let form = query.into_inner();
    let outcome = match audit_query(lang, &form) {
        Err(errors) => Err(errors),
        Ok(query) => {
            let found = user
                .visitor
                .app
                .as_caller(&user.caller, scope, move |ctx| {
                    search::entries(ctx, AuditSearch::try_from(query)?)
                })
                .await;
            match found {
                Ok(page) => Ok(page),
                Err(AppError::Validation(errors)) => Err(errors),
                Err(other) => return Err(user.fail(other)),
            }
        }
    };
    let errors = outcome.as_ref().err().cloned().unwrap_or_default();
    let body = html! {
        (filters(lang, &form, &errors))
        @if let Ok(page) = &outcome {
            (table(lang, page))
            @if let Some(cursor) = &page.next_cursor {
                nav.pager aria-label=(lang.t("search-pages")) {
                    a href=(next_page(&form, cursor)) { (lang.t("search-next")) }
                }
            }
        }
    };
    let title = lang.t("audit-title");
    Ok(user.ok(page::signed_in_page(&user, Nav::Audit, &title, body)))
}

fn filters(lang: Lang, form: &AuditForm, errors: &[FieldError]) -> Markup {
    let error_of = |name: &str| {
        errors
            .iter()
            .find(|e| e.field == name)
            .map(|e| e.message.clone())
    };
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let texts = [&form.action, &form.entity_type, &form.entity_id];
    let mut fields: Vec<Field> = TEXT_FIELDS
        .iter()
        .zip(texts)
        .map(|(name, typed)| Field {
            error: error_of(name),
            ..Field::new(
                name,
                lang.t(&format!("audit-{}", name.replace('_', "-"))),
                value(typed),
                Kind::Text,
            )
        })
        .collect();
    fields[0].hint = Some(lang.t("audit-action-hint"));
    for (name, typed) in [("from", &form.from), ("to", &form.to)] {
        fields.push(Field {
            error: error_of(name),
            ..Field::new(
                name,
                lang.t(&format!("audit-{name}")),
                value(typed),
                Kind::Date,
            )
        });
    }
    let summary: Vec<(String, String)> = errors
        .iter()
        .map(|e| (e.field.clone(), e.message.clone()))
        .collect();
    html! {
        (page::error_summary(lang, &summary))
        form.filters method="get" action="/audit" role="search" {
            @for field in &fields { (page::field(lang, field)) }
            div.actions { button.button type="submit" { (lang.t("search-submit")) } }
        }
    }
}

fn table(lang: Lang, page: &Page<AuditEntry>) -> Markup {
    html! {
        h2 { (lang.t("search-results")) }
        @if page.items.is_empty() {
            p { (lang.t("audit-none")) }
        } @else {
            div.table-wrap {
                table {
                    thead { tr {
                        th scope="col" { (lang.t("change-at")) }
                        th scope="col" { (lang.t("change-by")) }
                        th scope="col" { (lang.t("audit-action")) }
                        th scope="col" { (lang.t("audit-entity")) }
                        th scope="col" { (lang.t("change-fields")) }
                        th scope="col" { (lang.t("audit-outcome")) }
                        th scope="col" { (lang.t("audit-address")) }
                    } }
                    tbody {
                        @for entry in &page.items {
                            tr {
                                td { (format::date_time(entry.at)) }
                                td { (entry.actor.clone().unwrap_or_default()) }
                                td { code { (entry.action) } }
                                td {
                                    (entry.entity_type.clone().unwrap_or_default())
                                    @if let Some(id) = &entry.entity_id { br; code { (id) } }
                                }
                                td { (entry.fields.join(", ")) }
                                td { (entry.outcome) }
                                td { (entry.address.clone().unwrap_or_default()) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn next_page(form: &AuditForm, cursor: &str) -> String {
    let filters = [
        ("action", &form.action),
        ("entity_type", &form.entity_type),
        ("entity_id", &form.entity_id),
        ("from", &form.from),
        ("to", &form.to),
    ];
    format::next_page("/audit", &filters, cursor)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn typed_days_are_whole_days_in_vietnam() {
        let form = AuditForm {
            from: Some("28/11/2026".into()),
            to: Some("28/11/2026".into()),
            ..AuditForm::default()
        };
        let query = audit_query(Lang::Vi, &form).unwrap();
        assert_eq!(query.from.as_deref(), Some("2026-11-27T17:00:00+00:00"));
        assert_eq!(query.to.as_deref(), Some("2026-11-28T17:00:00+00:00"));
        let bad = AuditForm {
            from: Some("hôm qua".into()),
            ..AuditForm::default()
        };
        assert_eq!(audit_query(Lang::Vi, &bad).unwrap_err()[0].field, "from");
    }
}
