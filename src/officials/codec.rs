//! Between what an editor states (plain `ProfileData`) and the stored rows
//! (sealed items, blind indexes, folded names). Each row is one table of
//! fields in each direction; the sealed items go through `seal` and `open`.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::PgConnection;
use serde::{Deserialize, Serialize};

use super::model::{CareerRow, OfficialRow, PersonalRow, Profile, ProfileData, ProfileStatus};
use crate::context::Ctx;
use crate::crypto::{normalize_identifier, Keyring, Sealer};
use crate::error::{AppError, AppResult};
use crate::ids::OfficialId;

/// The table named in the associated data of every sealed profile item and
/// in the blind-index keys. The sealed items now live in official_personal,
/// but their values were sealed as officials' and cannot be re-sealed in a
/// migration (the keys never reach the database): this name stays.
pub const TABLE: &str = "officials";

/// Issue date and place travel sealed together with the card.
#[derive(Serialize, Deserialize)]
struct CardIssue {
    issued_on: Option<NaiveDate>,
    issued_place: Option<String>,
}

/// Family name first, given name last: "Nguyễn Văn An" -> ("nguyen", "an").
pub fn name_parts(full_name: &str) -> (String, String, String) {
    let folded = crate::text::fold(full_name);
    let family = folded.split(' ').next().unwrap_or_default().to_owned();
    let given = folded.rsplit(' ').next().unwrap_or_default().to_owned();
    (folded, family, given)
}

/// The blind index a row written now carries (under the sealer's blind-index key).
pub fn index(
    sealer: &Sealer<'_>,
    column: &str,
    value: Option<&str>,
    whole: bool,
) -> AppResult<Option<Vec<u8>>> {
    value
        .map(|v| sealer.blind_index(TABLE, column, &normalize_identifier(v), whole))
        .transpose()
        .map_err(AppError::from)
}

/// The personal identification code's index under every live blind-index
/// key: during a blind-index rotation another profile may still carry the
/// old key's, and one person must still have one profile. The keys' versions
/// come from what a batch loaded, when it did.
pub fn personal_code_indexes(ctx: &mut Ctx, data: &ProfileData) -> AppResult<Vec<Vec<u8>>> {
    let normalized = normalize_identifier(&data.personal_identification_code);
    let versions = match ctx.reference.blind_versions() {
        Some(versions) => versions.to_vec(),
        None => ctx.keyring.live_blind_versions(ctx.conn)?,
    };
    let column = (TABLE, "personal_identification_code");
    Ok(ctx
        .keyring
        .blind_indexes_under(ctx.conn, &versions, column, &normalized, true)?)
}

/// What writing a profile takes: this transaction's sealer, which seals
/// and indexes under the keys active when it began.
pub struct Keys<'k> {
    pub sealer: Sealer<'k>,
}

impl<'k> Keys<'k> {
    pub fn new(keyring: &'k Keyring, conn: &mut PgConnection) -> AppResult<Keys<'k>> {
        Ok(Keys {
            sealer: keyring.sealer(conn)?,
        })
    }

    fn seal(
        &self,
        column: &str,
        id: OfficialId,
        value: Option<&str>,
    ) -> AppResult<Option<Vec<u8>>> {
        value
            .map(|v| self.sealer.seal_str(TABLE, column, id.into(), v))
            .transpose()
            .map_err(AppError::from)
    }
}

/// The rows of a new, active profile stating `data`.
pub fn new_rows(
    keys: &Keys<'_>,
    id: OfficialId,
    data: &ProfileData,
    now: DateTime<Utc>,
) -> AppResult<Profile> {
    Ok(Profile {
        official: official_row(&keys.sealer, id, data, now)?,
        personal: personal_row(keys, id, data)?,
        career: career_row(id, data)?,
    })
}

/// `base` restated as `data`: the same profile and life cycle, one version on.
pub fn restated(
    keys: &Keys<'_>,
    base: &Profile,
    data: &ProfileData,
    now: DateTime<Utc>,
) -> AppResult<Profile> {
    let mut rows = new_rows(keys, base.id, data, now)?;
    let row = &mut rows.official;
    row.status = base.status;
    row.retired_on = base.retired_on;
    row.died_on = base.died_on;
    row.archived_at = base.archived_at;
    row.version = base.version + 1;
    row.created_at = base.created_at;
    Ok(rows)
}

fn official_row(
    sealer: &Sealer<'_>,
    id: OfficialId,
    data: &ProfileData,
    now: DateTime<Utc>,
) -> AppResult<OfficialRow> {
    let (name_folded, family_name_folded, given_name_folded) = name_parts(&data.full_name);
    let index = |column, value: Option<&str>, whole| index(sealer, column, value, whole);
    Ok(OfficialRow {
        id,
        classification: data.classification,
        managing_organization_id: data.managing_organization_id,
        using_organization_id: data.using_organization_id,
        cbccvc_code: data.cbccvc_code.clone(),
        full_name: data.full_name.trim().to_owned(),
        name_folded,
        family_name_folded,
        given_name_folded,
        sex: data.sex,
        birth_date: data.birth_date,
        identity_card_index: index(
            "identity_card_number",
            data.identity_card_number.as_deref(),
            false,
        )?,
        personal_identification_index: index(
            "personal_identification_code",
            Some(&data.personal_identification_code),
            true,
        )?,
        social_insurance_index: index(
            "social_insurance_number",
            data.social_insurance_number.as_deref(),
            false,
        )?,
        ethnic_group_code: data.ethnic_group_code.clone(),
        rank_code: data.rank_code.clone(),
        position_code: data.position_code.clone(),
        political_theory_code: data.political_theory_code.clone(),
        degree_code: data.degree_code.clone(),
        party_admitted_on: data.party_admitted_on,
        party_official_on: data.party_official_on,
        status: ProfileStatus::Active,
        retired_on: None,
        died_on: None,
        archived_at: None,
        version: 1,
        created_at: now,
        updated_at: now,
        blind_index_version: i32::try_from(sealer.blind_version())
            .map_err(|_| AppError::Internal("blind-index key version out of range".into()))?,
    })
}

/// The card's issue date and place, as sealed together.
fn card_issue(data: &ProfileData) -> AppResult<Option<String>> {
    let (issued_on, issued_place) = (
        data.identity_card_issued_on,
        data.identity_card_issued_place.clone(),
    );
    if issued_on.is_none() && issued_place.is_none() {
        return Ok(None);
    }
    serde_json::to_string(&CardIssue {
        issued_on,
        issued_place,
    })
    .map(Some)
    .map_err(|e| AppError::Internal(e.to_string()))
}

fn personal_row(keys: &Keys<'_>, id: OfficialId, data: &ProfileData) -> AppResult<PersonalRow> {
    let seal = |column, value: Option<&str>| keys.seal(column, id, value);
    Ok(PersonalRow {
        official_id: id,
        other_names: data.other_names.clone(),
        identity_card_number: seal("identity_card_number", data.identity_card_number.as_deref())?,
        identity_card_issue: seal("identity_card_issue", card_issue(data)?.as_deref())?,
        personal_identification_code: seal(
            "personal_identification_code",
            Some(&data.personal_identification_code),
        )?,
        social_insurance_number: seal(
            "social_insurance_number",
            data.social_insurance_number.as_deref(),
        )?,
        religion_code: data.religion_code.clone(),
        hometown: data.hometown.clone(),
        birthplace: data.birthplace.clone(),
        current_address: seal("current_address", data.current_address.as_deref())?,
        phone: seal("phone", data.phone.as_deref())?,
        email: seal("email", data.email.as_deref())?,
        party_card_number: seal("party_card_number", data.party_card_number.as_deref())?,
        party_position: data.party_position.clone(),
        hometown_province_code: data.hometown_province_code.clone(),
        hometown_former_province_code: data.hometown_former_province_code.clone(),
        birthplace_province_code: data.birthplace_province_code.clone(),
        birthplace_former_province_code: data.birthplace_former_province_code.clone(),
        party_position_code: data.party_position_code.clone(),
        it_level_code: data.it_level_code.clone(),
        defence_training_code: data.defence_training_code.clone(),
        joined_revolution_on: data.joined_revolution_on,
        strengths: data.strengths.clone(),
        policy_status_code: data.policy_status_code.clone(),
    })
}

fn career_row(id: OfficialId, data: &ProfileData) -> AppResult<CareerRow> {
    Ok(CareerRow {
        official_id: id,
        first_recruited_on: data.first_recruited_on,
        recruiting_agency: data.recruiting_agency.clone(),
        recruiting_position: data.recruiting_position.clone(),
        joined_current_agency_on: data.joined_current_agency_on,
        job_position: data.job_position.clone(),
        rank_since: data.rank_since,
        salary_step: data.salary_step,
        salary_coefficient_hundredths: data.salary_coefficient.map(|c| (c * 100.0).round() as i16),
        salary_step_since: data.salary_step_since,
        seniority_allowance_percent: data.seniority_allowance_percent,
        next_raise_on: data.next_raise_on,
        first_appointed_on: data.first_appointed_on,
        reappointed_on: data.reappointed_on,
        term: data.term.clone(),
        concurrent_positions: data.concurrent_positions.clone(),
        general_education: data.general_education.clone(),
        education_level_code: data.education_level_code.clone(),
        foreign_languages: serde_json::to_value(&data.foreign_languages)
            .map_err(|e| AppError::Internal(e.to_string()))?,
        it_level: data.it_level.clone(),
        state_management_code: data.state_management_code.clone(),
        defence_security_training: data.defence_security_training.clone(),
        minority_languages: data.minority_languages.clone(),
        academic_title_code: data.academic_title_code.clone(),
        academic_title_on: data.academic_title_on,
        degree_on: data.degree_on,
        degree_specialty: data.degree_specialty.clone(),
        leadership_salary_code: data.leadership_salary_code.clone(),
        term_start_on: data.term_start_on,
        term_end_on: data.term_end_on,
        concurrent_posts: serde_json::to_value(&data.concurrent_posts)
            .map_err(|e| AppError::Internal(e.to_string()))?,
    })
}

/// The sealed items of a profile, opened.
struct Opened {
    identity_card_number: Option<String>,
    card_issue: Option<CardIssue>,
    personal_identification_code: Option<String>,
    social_insurance_number: Option<String>,
    current_address: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    party_card_number: Option<String>,
}

fn open(keyring: &Keyring, conn: &mut PgConnection, personal: &PersonalRow) -> AppResult<Opened> {
    let id = personal.official_id.into();
    let mut open = |column: &str, sealed: &Option<Vec<u8>>| -> AppResult<Option<String>> {
        sealed
            .as_deref()
            .map(|bytes| keyring.open_string(conn, TABLE, column, id, bytes))
            .transpose()
            .map_err(AppError::from)
    };
    let card_issue = open("identity_card_issue", &personal.identity_card_issue)?
        .map(|text| serde_json::from_str(&text))
        .transpose()
        .map_err(|e| AppError::Internal(format!("sealed card issue unreadable: {e}")))?;
    Ok(Opened {
        identity_card_number: open("identity_card_number", &personal.identity_card_number)?,
        card_issue,
        personal_identification_code: open(
            "personal_identification_code",
            &personal.personal_identification_code,
        )?,
        social_insurance_number: open(
            "social_insurance_number",
            &personal.social_insurance_number,
        )?,
        current_address: open("current_address", &personal.current_address)?,
        phone: open("phone", &personal.phone)?,
        email: open("email", &personal.email)?,
        party_card_number: open("party_card_number", &personal.party_card_number)?,
    })
}

/// The plain data of a stored profile (every sealed item opened).
pub fn to_data(
    keyring: &Keyring,
    conn: &mut PgConnection,
    profile: &Profile,
) -> AppResult<ProfileData> {
    let opened = open(keyring, conn, &profile.personal)?;
    Ok(stated(profile, opened))
}

/// What `profile` states, its sealed items given opened.
fn stated(profile: &Profile, opened: Opened) -> ProfileData {
    let Profile {
        official: row,
        personal,
        career,
    } = profile;
    let (issued_on, issued_place) = opened
        .card_issue
        .map_or((None, None), |i| (i.issued_on, i.issued_place));
    ProfileData {
        classification: row.classification,
        managing_organization_id: row.managing_organization_id,
        using_organization_id: row.using_organization_id,
        cbccvc_code: row.cbccvc_code.clone(),
        full_name: row.full_name.clone(),
        other_names: personal.other_names.clone(),
        sex: row.sex,
        birth_date: row.birth_date,
        identity_card_number: opened.identity_card_number,
        identity_card_issued_on: issued_on,
        identity_card_issued_place: issued_place,
        personal_identification_code: opened.personal_identification_code.unwrap_or_default(),
        social_insurance_number: opened.social_insurance_number,
        ethnic_group_code: row.ethnic_group_code.clone(),
        religion_code: personal.religion_code.clone(),
        hometown: personal.hometown.clone(),
        birthplace: personal.birthplace.clone(),
        current_address: opened.current_address,
        phone: opened.phone,
        email: opened.email,
        first_recruited_on: career.first_recruited_on,
        recruiting_agency: career.recruiting_agency.clone(),
        recruiting_position: career.recruiting_position.clone(),
        joined_current_agency_on: career.joined_current_agency_on,
        job_position: career.job_position.clone(),
        rank_code: row.rank_code.clone(),
        rank_since: career.rank_since,
        salary_step: career.salary_step,
        salary_coefficient: career
            .salary_coefficient_hundredths
            .map(|h| f64::from(h) / 100.0),
        leadership_salary_code: career.leadership_salary_code.clone(),
        salary_step_since: career.salary_step_since,
        seniority_allowance_percent: career.seniority_allowance_percent,
        next_raise_on: career.next_raise_on,
        position_code: row.position_code.clone(),
        first_appointed_on: career.first_appointed_on,
        reappointed_on: career.reappointed_on,
        term: career.term.clone(),
        concurrent_positions: career.concurrent_positions.clone(),
        general_education: career.general_education.clone(),
        education_level_code: career.education_level_code.clone(),
        foreign_languages: serde_json::from_value(career.foreign_languages.clone())
            .unwrap_or_default(),
        it_level: career.it_level.clone(),
        political_theory_code: row.political_theory_code.clone(),
        state_management_code: career.state_management_code.clone(),
        defence_security_training: career.defence_security_training.clone(),
        minority_languages: career.minority_languages.clone(),
        academic_title_code: career.academic_title_code.clone(),
        academic_title_on: career.academic_title_on,
        degree_code: row.degree_code.clone(),
        degree_on: career.degree_on,
        degree_specialty: career.degree_specialty.clone(),
        party_admitted_on: row.party_admitted_on,
        party_official_on: row.party_official_on,
        party_card_number: opened.party_card_number,
        party_position: personal.party_position.clone(),
        hometown_province_code: personal.hometown_province_code.clone(),
        hometown_former_province_code: personal.hometown_former_province_code.clone(),
        birthplace_province_code: personal.birthplace_province_code.clone(),
        birthplace_former_province_code: personal.birthplace_former_province_code.clone(),
        party_position_code: personal.party_position_code.clone(),
        it_level_code: personal.it_level_code.clone(),
        defence_training_code: personal.defence_training_code.clone(),
        joined_revolution_on: personal.joined_revolution_on,
        strengths: personal.strengths.clone(),
        policy_status_code: personal.policy_status_code.clone(),
        term_start_on: career.term_start_on,
        term_end_on: career.term_end_on,
        concurrent_posts: serde_json::from_value(career.concurrent_posts.clone())
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_names_split_family_first_given_last() {
        assert_eq!(
            name_parts("Nguyễn Văn  An"),
            (
                "nguyen van an".to_owned(),
                "nguyen".to_owned(),
                "an".to_owned()
            )
        );
        assert_eq!(name_parts("Đặng Thị Minh Anh").2, "anh");
    }
}
