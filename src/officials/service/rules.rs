//! What makes a profile valid: dates in order, a working age, a coefficient
//! with two decimals, known codes, and organizations the caller may use.

use chrono::{Datelike, NaiveDate};

use super::{unit, Unit};
use crate::catalogs;
use crate::context::Ctx;
use crate::error::{AppError, AppResult, FieldError};
use crate::officials::model::ProfileData;
use crate::validation::validated;

/// Checks `data` whole; returns the organization that will manage it.
pub(super) fn check_rules(ctx: &mut Ctx, data: &ProfileData) -> AppResult<Unit> {
    validated(data)?;
    let errors: Vec<FieldError> = FIELD_RULES
        .iter()
        .flat_map(|rule| rule(data, ctx.today))
        .collect();
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    known_codes(ctx, data)?;
    placement(ctx, data)
}

/// Rules on the data alone, each reporting the fields it finds at fault.
type FieldRule = fn(&ProfileData, NaiveDate) -> Vec<FieldError>;

const FIELD_RULES: [FieldRule; 6] = [
    working_age,
    after_birth_and_not_ahead,
    recruited_at_sixteen,
    in_order,
    two_decimals,
    card_with_its_issue,
];

fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

fn fault(field: &str, message: &str) -> Vec<FieldError> {
    vec![FieldError::new(field, message)]
}

fn working_age(data: &ProfileData, today: NaiveDate) -> Vec<FieldError> {
    if (18..=100).contains(&age_on(data.birth_date, today)) {
        return Vec::new();
    }
    fault(
        "birth_date",
        "must make a working age: 18 to 100 years old today",
    )
}

/// Dates of the person's life after birth.
fn life_dates(data: &ProfileData) -> [(&'static str, Option<NaiveDate>); 11] {
    [
        ("identity_card_issued_on", data.identity_card_issued_on),
        ("first_recruited_on", data.first_recruited_on),
        ("joined_current_agency_on", data.joined_current_agency_on),
        ("rank_since", data.rank_since),
        ("salary_step_since", data.salary_step_since),
        ("first_appointed_on", data.first_appointed_on),
        ("reappointed_on", data.reappointed_on),
        ("academic_title_on", data.academic_title_on),
        ("degree_on", data.degree_on),
        ("party_admitted_on", data.party_admitted_on),
        ("party_official_on", data.party_official_on),
    ]
}

fn after_birth_and_not_ahead(data: &ProfileData, today: NaiveDate) -> Vec<FieldError> {
    life_dates(data)
        .into_iter()
        .filter_map(|(field, date)| match date? {
            d if d <= data.birth_date => {
                Some(FieldError::new(field, "must be after the birth date"))
            }
            d if d > today => Some(FieldError::new(field, "must not be in the future")),
            _ => None,
        })
        .collect()
}

fn recruited_at_sixteen(data: &ProfileData, _: NaiveDate) -> Vec<FieldError> {
    match data.first_recruited_on {
        Some(d) if age_on(data.birth_date, d) < 16 => {
            fault("first_recruited_on", "is before the person turned 16")
        }
        _ => Vec::new(),
    }
}

/// Dates that follow another: (the later one's field, earlier, later).
fn sequences(data: &ProfileData) -> [(&'static str, Option<NaiveDate>, Option<NaiveDate>); 3] {
    [
        (
            "joined_current_agency_on",
            data.first_recruited_on,
            data.joined_current_agency_on,
        ),
        (
            "reappointed_on",
            data.first_appointed_on,
            data.reappointed_on,
        ),
        (
            "party_official_on",
            data.party_admitted_on,
            data.party_official_on,
        ),
    ]
}

fn in_order(data: &ProfileData, _: NaiveDate) -> Vec<FieldError> {
    sequences(data)
        .into_iter()
        .filter(|(_, earlier, later)| matches!((earlier, later), (Some(a), Some(b)) if b < a))
        .map(|(field, _, _)| FieldError::new(field, "must not be before the date it follows"))
        .collect()
}

fn two_decimals(data: &ProfileData, _: NaiveDate) -> Vec<FieldError> {
    match data.salary_coefficient {
        Some(c) if ((c * 100.0).round() - c * 100.0).abs() > 1e-6 => {
            fault("salary_coefficient", "has at most two decimals (e.g. 4.98)")
        }
        _ => Vec::new(),
    }
}

fn card_with_its_issue(data: &ProfileData, _: NaiveDate) -> Vec<FieldError> {
    let issue_given =
        data.identity_card_issued_on.is_some() || data.identity_card_issued_place.is_some();
    if data.identity_card_number.is_none() && issue_given {
        return fault(
            "identity_card_number",
            "is required with its issue date or place",
        );
    }
    Vec::new()
}

/// Coded items: (catalog, code, field).
fn coded(data: &ProfileData) -> [(&'static str, Option<&str>, &'static str); 9] {
    [
        (
            "ethnic_group",
            data.ethnic_group_code.as_deref(),
            "ethnic_group_code",
        ),
        ("religion", data.religion_code.as_deref(), "religion_code"),
        ("rank", data.rank_code.as_deref(), "rank_code"),
        ("position", data.position_code.as_deref(), "position_code"),
        (
            "education_level",
            data.education_level_code.as_deref(),
            "education_level_code",
        ),
        (
            "political_theory",
            data.political_theory_code.as_deref(),
            "political_theory_code",
        ),
        (
            "state_management",
            data.state_management_code.as_deref(),
            "state_management_code",
        ),
        (
            "academic_title",
            data.academic_title_code.as_deref(),
            "academic_title_code",
        ),
        ("degree", data.degree_code.as_deref(), "degree_code"),
    ]
}

/// Every code is in its catalog, the first unknown one reported.
fn known_codes(ctx: &mut Ctx, data: &ProfileData) -> AppResult<()> {
    for (catalog, code, field) in coded(data) {
        catalogs::check(ctx.conn, catalog, code, field)?;
    }
    if let Some(entry) = super::salary::stated(data) {
        super::salary::check_entry(ctx, &entry, "")?;
    } else if data.leadership_salary_code.is_some() {
        let code = data.leadership_salary_code.as_deref();
        catalogs::check(
            ctx.conn,
            "leadership_salary",
            code,
            "leadership_salary_code",
        )?;
    }
    for (i, language) in data.foreign_languages.iter().enumerate() {
        let field = format!("foreign_languages[{i}].language_code");
        catalogs::check(ctx.conn, "language", Some(&language.language_code), &field)?;
    }
    Ok(())
}

/// The managing organization is one the caller may edit profiles of; the
/// using one is one it may see.
fn placement(ctx: &mut Ctx, data: &ProfileData) -> AppResult<Unit> {
    let managing = unit(ctx, data.managing_organization_id)?
        .filter(|u| ctx.scope.can_read(&u.path))
        .ok_or_else(|| AppError::invalid("managing_organization_id", "no such organization"))?;
    if !ctx.scope.can_write(&managing.path) {
        return Err(AppError::Forbidden(
            "you may not edit profiles managed by that organization".into(),
        ));
    }
    if unit(ctx, data.using_organization_id)?
        .filter(|u| ctx.scope.can_read(&u.path))
        .is_none()
    {
        return Err(AppError::invalid(
            "using_organization_id",
            "no such organization",
        ));
    }
    Ok(managing)
}
