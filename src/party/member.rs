//! Party members (Table 23): one record per person, the sealed numbers with
//! their blind indexes, the dated events the committees decide, and the
//! periods (cell and status) derived from them.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use validator::Validate;

use crate::db::ltree::TreePath;
use crate::db::schema::{party_member_events, party_member_periods, party_members};
use crate::ids::{MemberId, OfficialId, PartyOrganizationId};
use crate::officials::model::Sex;
use crate::text_enum;

text_enum!(
    /// Where a member stands (derived from the events, on any date).
    MemberStatus {
        Probationary = "probationary",
        Official = "official",
        TransferredOut = "transferred_out",
        Left = "left",
        Expelled = "expelled",
        Deceased = "deceased",
    }
);

impl MemberStatus {
    /// Still a member: counted, and may be transferred or recognized.
    pub fn is_member(self) -> bool {
        matches!(self, MemberStatus::Probationary | MemberStatus::Official)
    }
}

text_enum!(
    /// What a committee decided about a member (`party_member_events.kind`).
    MemberEventKind {
        Admitted = "admitted",
        RecognizedOfficial = "recognized_official",
        Transferred = "transferred",
        TransferredOut = "transferred_out",
        Removed = "removed",
        Expelled = "expelled",
        Deceased = "deceased",
        AttendanceStarted = "attendance_started",
        AttendanceEnded = "attendance_ended",
        Exempted = "exempted",
        ExemptionEnded = "exemption_ended",
        Reward = "reward",
        Discipline = "discipline",
        MovedWithCell = "moved_with_cell",
    }
);

text_enum!(
    ExemptionReason {
        Age = "age",
        Health = "health",
    }
);

/// A member's row: who they are (numbers sealed) and, mirrored from the open
/// period, where and what they are today.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(
    table_name = party_members,
    check_for_backend(diesel::pg::Pg),
    treat_none_as_null = true,
    treat_none_as_default_value = false
)]
pub struct MemberRow {
    pub id: MemberId,
    pub official_id: Option<OfficialId>,
    pub full_name: String,
    pub name_folded: String,
    pub family_name_folded: String,
    pub given_name_folded: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub ethnic_group_code: Option<String>,
    pub religion_code: Option<String>,
    pub hometown: Option<String>,
    pub identity_number: Option<Vec<u8>>,
    pub identity_index: Option<Vec<u8>>,
    pub personal_identification_code: Option<Vec<u8>>,
    pub personal_identification_index: Option<Vec<u8>>,
    pub party_card_number: Option<Vec<u8>>,
    pub party_card_index: Option<Vec<u8>>,
    pub admitted_on: NaiveDate,
    pub official_on: Option<NaiveDate>,
    pub positions: serde_json::Value,
    pub party_organization_id: PartyOrganizationId,
    pub path: TreePath,
    pub status: MemberStatus,
    pub attending_organization_id: Option<PartyOrganizationId>,
    pub attending_path: Option<TreePath>,
    pub attending_until: Option<NaiveDate>,
    /// The receiving cell of an open transfer (kept by the database).
    pub incoming_path: Option<TreePath>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The blind-index key the indexes were computed with (the oldest, when
    /// a change computed one under an older key than the rest).
    pub blind_index_version: i32,
}

/// A stretch of time in one cell with one status.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(
    table_name = party_member_periods,
    check_for_backend(diesel::pg::Pg),
    treat_none_as_default_value = false
)]
pub struct Period {
    pub member_id: MemberId,
    pub party_organization_id: PartyOrganizationId,
    pub path: TreePath,
    pub status: MemberStatus,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

/// One decision about a member, as recorded.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = party_member_events, check_for_backend(diesel::pg::Pg))]
pub struct MemberEvent {
    #[serde(skip)]
    pub id: i64,
    #[serde(skip)]
    pub member_id: MemberId,
    pub kind: MemberEventKind,
    pub effective_on: NaiveDate,
    pub decision_number: Option<String>,
    pub deciding_body: Option<String>,
    pub party_organization_id: Option<PartyOrganizationId>,
    pub details: serde_json::Value,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = party_member_events, treat_none_as_default_value = false)]
pub struct NewMemberEvent {
    pub member_id: MemberId,
    pub kind: MemberEventKind,
    pub effective_on: NaiveDate,
    pub decision_number: Option<String>,
    pub deciding_body: Option<String>,
    pub party_organization_id: Option<PartyOrganizationId>,
    pub details: serde_json::Value,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: Option<String>,
}

/// The decision behind a workflow step: number, date and deciding body.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    pub effective_on: NaiveDate,
    #[validate(length(min = 1, max = 200))]
    pub decision_number: String,
    #[validate(length(min = 1, max = 300))]
    pub deciding_body: String,
    #[validate(length(max = 2000))]
    pub note: Option<String>,
}

/// Body of `POST /party-members`: admission as a probationary member.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct Admission {
    #[validate(length(min = 1, max = 200))]
    pub full_name: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    #[validate(length(min = 1, max = 40))]
    pub ethnic_group_code: Option<String>,
    #[validate(length(min = 1, max = 40))]
    pub religion_code: Option<String>,
    #[validate(length(min = 1, max = 300))]
    pub hometown: Option<String>,
    #[validate(regex(path = *IDENTITY, message = "9 or 12 digits"))]
    pub identity_number: Option<String>,
    #[validate(regex(path = *PERSONAL_CODE, message = "12 digits"))]
    pub personal_identification_code: String,
    #[validate(regex(path = *CARD, message = "6 to 20 letters or digits"))]
    pub party_card_number: Option<String>,
    #[validate(length(max = 20))]
    pub positions: Option<Vec<String>>,
    /// The cell admitting them.
    pub party_organization_id: PartyOrganizationId,
    pub admitted_on: NaiveDate,
    #[validate(length(min = 1, max = 200))]
    pub decision_number: String,
    #[validate(length(min = 1, max = 300))]
    pub deciding_body: String,
}

pub static IDENTITY: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"^([0-9]{9}|[0-9]{12})$").unwrap_or_else(|e| panic!("identity pattern: {e}"))
});

pub static PERSONAL_CODE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"^[0-9]{12}$").unwrap_or_else(|e| panic!("personal code pattern: {e}"))
});

pub static CARD: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"^[0-9A-Za-z]{6,20}$").unwrap_or_else(|e| panic!("card pattern: {e}"))
});

/// Body of `POST /party-members/{id}/recognize`.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct Recognition {
    pub official_on: NaiveDate,
    #[validate(length(min = 1, max = 200))]
    pub decision_number: String,
    #[validate(length(min = 1, max = 300))]
    pub deciding_body: String,
    #[validate(regex(path = *CARD, message = "6 to 20 letters or digits"))]
    pub party_card_number: Option<String>,
}

/// Body of `POST /party-members/{id}/attendance`: attend a cell for a while.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct AttendanceInput {
    /// The host cell's code, as its committee's papers give it.
    #[validate(length(min = 1, max = 48))]
    pub party_organization_code: String,
    pub from_on: NaiveDate,
    pub until_on: Option<NaiveDate>,
    #[validate(length(min = 1, max = 200))]
    pub decision_number: String,
    #[validate(length(min = 1, max = 300))]
    pub deciding_body: String,
}

/// Body of `POST /party-members/{id}/exemption`.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct ExemptionInput {
    pub reason: ExemptionReason,
    pub from_on: NaiveDate,
    #[validate(length(min = 1, max = 200))]
    pub decision_number: String,
    #[validate(length(min = 1, max = 300))]
    pub deciding_body: String,
}

text_enum!(
    DistinctionKind {
        Reward = "reward",
        Discipline = "discipline",
    }
);

/// Body of `POST /party-members/{id}/distinctions`: a party reward or discipline.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct DistinctionInput {
    pub kind: DistinctionKind,
    pub decided_on: NaiveDate,
    #[validate(length(min = 1, max = 200))]
    pub decision_number: String,
    #[validate(length(min = 1, max = 300))]
    pub deciding_body: String,
    /// e.g. "Huy hiệu 40 năm tuổi Đảng", "Khiển trách"
    #[validate(length(min = 1, max = 300))]
    pub form: String,
}

/// The first day a probationary member admitted on `admitted_on` may be
/// recognized as official: twelve months of probation.
pub fn probation_ends(admitted_on: NaiveDate) -> Option<NaiveDate> {
    admitted_on.checked_add_months(chrono::Months::new(12))
}

/// A badge by years of membership and the date it falls due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Badge {
    pub years: i32,
    pub due_on: NaiveDate,
}

/// 30, 40, 45, 50 and every five years after.
pub fn badge_years(years: i32) -> bool {
    years == 30 || (years >= 40 && years % 5 == 0)
}

/// The badges due from admission up to `until`, with their dates.
pub fn badges(admitted_on: NaiveDate, until: NaiveDate) -> Vec<Badge> {
    (30..=100)
        .filter(|y| badge_years(*y))
        .filter_map(|years| {
            let due_on = anniversary(admitted_on, years)?;
            (due_on <= until).then_some(Badge { years, due_on })
        })
        .collect()
}

/// The next badge after `on`, if any.
pub fn next_badge(admitted_on: NaiveDate, on: NaiveDate) -> Option<Badge> {
    (30..=100)
        .filter(|y| badge_years(*y))
        .filter_map(|years| {
            Some(Badge {
                years,
                due_on: anniversary(admitted_on, years)?,
            })
        })
        .find(|b| b.due_on > on)
}

/// The same day `years` later (29 February falls on 28 February).
pub fn anniversary(date: NaiveDate, years: i32) -> Option<NaiveDate> {
    let year = date.year() + years;
    date.with_year(year)
        .or_else(|| NaiveDate::from_ymd_opt(year, date.month(), 28))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn badges_come_at_30_40_45_50_and_every_five_years_after() {
        let years: Vec<i32> = badges(d(1950, 5, 19), d(2026, 1, 1))
            .iter()
            .map(|b| b.years)
            .collect();
        assert_eq!(years, [30, 40, 45, 50, 55, 60, 65, 70, 75]);
        assert_eq!(badges(d(1996, 2, 3), d(2026, 2, 2)), []);
        assert_eq!(
            badges(d(1996, 2, 3), d(2026, 2, 3)),
            [Badge {
                years: 30,
                due_on: d(2026, 2, 3)
            }]
        );
        assert_eq!(next_badge(d(1996, 2, 3), d(2026, 2, 3)).unwrap().years, 40);
        assert_eq!(anniversary(d(1996, 2, 29), 30), Some(d(2026, 2, 28)));
    }
}
