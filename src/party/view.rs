//! What the API shows of a member: the record on a date (numbers masked), a
//! short line for lists, and transfers.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::codec::Numbers;
use super::member::{badges, next_badge, Badge, ExemptionReason, MemberRow, MemberStatus, Period};
use crate::db::ltree::TreePath;
use crate::db::schema::{party_members, party_transfers};
use crate::ids::{MemberId, OfficialId, PartyOrganizationId, TransferId};
use crate::officials::model::Sex;
use crate::officials::view::mask;
use crate::text_enum;

/// A cell attended for a while.
#[derive(Debug, Clone, Serialize)]
pub struct AttendanceView {
    pub party_organization_id: PartyOrganizationId,
    pub from_on: NaiveDate,
    pub until_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExemptionView {
    pub reason: ExemptionReason,
    pub from_on: NaiveDate,
}

/// What else held on the date asked, beside the period.
#[derive(Debug, Clone, Default)]
pub struct Arrangements {
    pub attending: Option<AttendanceView>,
    pub exemption: Option<ExemptionView>,
}

/// A member's record as it stood on `as_of`.
#[derive(Debug, Clone, Serialize)]
pub struct MemberView {
    pub id: MemberId,
    pub version: i32,
    pub full_name: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    pub ethnic_group_code: Option<String>,
    pub religion_code: Option<String>,
    pub hometown: Option<String>,
    /// Masked: enough to recognise, not to use.
    pub identity_number: Option<String>,
    pub personal_identification_code: Option<String>,
    pub party_card_number: Option<String>,
    pub admitted_on: NaiveDate,
    pub official_on: Option<NaiveDate>,
    pub positions: serde_json::Value,
    pub as_of: NaiveDate,
    pub status: MemberStatus,
    pub party_organization_id: PartyOrganizationId,
    pub attending: Option<AttendanceView>,
    pub exemption: Option<ExemptionView>,
    pub official_id: Option<OfficialId>,
    /// Badges by years of membership due by `as_of`, and the next one.
    pub badges: Vec<Badge>,
    pub next_badge: Option<Badge>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl MemberView {
    /// `row` as it stood on `period`'s date `as_of`.
    pub fn new(
        row: &MemberRow,
        numbers: Numbers,
        on: (NaiveDate, &Period),
        more: Arrangements,
    ) -> MemberView {
        let (as_of, period) = on;
        MemberView {
            id: row.id,
            version: row.version,
            full_name: row.full_name.clone(),
            birth_date: row.birth_date,
            sex: row.sex,
            ethnic_group_code: row.ethnic_group_code.clone(),
            religion_code: row.religion_code.clone(),
            hometown: row.hometown.clone(),
            identity_number: numbers.identity_number.as_deref().map(mask),
            personal_identification_code: numbers.personal_identification_code.as_deref().map(mask),
            party_card_number: numbers.party_card_number.as_deref().map(mask),
            admitted_on: row.admitted_on,
            official_on: row.official_on.filter(|d| *d <= as_of),
            positions: row.positions.clone(),
            as_of,
            status: period.status,
            party_organization_id: period.party_organization_id,
            attending: more.attending,
            exemption: more.exemption,
            official_id: row.official_id,
            badges: badges(row.admitted_on, as_of),
            next_badge: next_badge(row.admitted_on, as_of),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

/// A member in a list, as they stood on the date asked.
#[derive(Debug, Clone, Serialize, QueryableByName)]
pub struct MemberSummary {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: MemberId,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub version: i32,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub full_name: String,
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub birth_date: NaiveDate,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub sex: Sex,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub status: MemberStatus,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub party_organization_id: PartyOrganizationId,
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub admitted_on: NaiveDate,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Date>)]
    pub official_on: Option<NaiveDate>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
    pub official_id: Option<OfficialId>,
    #[serde(skip)]
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub name_folded: String,
}

impl From<&MemberRow> for MemberSummary {
    fn from(row: &MemberRow) -> Self {
        MemberSummary {
            id: row.id,
            version: row.version,
            full_name: row.full_name.clone(),
            birth_date: row.birth_date,
            sex: row.sex,
            status: row.status,
            party_organization_id: row.party_organization_id,
            admitted_on: row.admitted_on,
            official_on: row.official_on,
            official_id: row.official_id,
            name_folded: row.name_folded.clone(),
        }
    }
}

/// A badge falling due, and whose.
#[derive(Debug, Clone, Serialize)]
pub struct BadgeDue {
    pub member: MemberSummary,
    pub badge: Badge,
}

/// The party side of a profile, shown only to party grant holders who see
/// the member.
#[derive(Debug, Clone, Serialize, Queryable, Selectable)]
#[diesel(table_name = party_members, check_for_backend(diesel::pg::Pg))]
pub struct ProfileMembership {
    #[diesel(column_name = id)]
    pub member_id: MemberId,
    pub status: MemberStatus,
    pub party_organization_id: PartyOrganizationId,
    pub admitted_on: NaiveDate,
    pub official_on: Option<NaiveDate>,
}

text_enum!(
    TransferStatus {
        Issued = "issued",
        Accepted = "accepted",
        Cancelled = "cancelled",
    }
);

/// A transfer between cells, as both committees see it.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = party_transfers, check_for_backend(diesel::pg::Pg), treat_none_as_null = true)]
pub struct Transfer {
    pub id: TransferId,
    pub member_id: MemberId,
    pub member_name: String,
    #[serde(rename = "from_party_organization_id")]
    pub from_organization_id: PartyOrganizationId,
    pub from_code: String,
    pub from_name: String,
    #[serde(skip)]
    pub from_path: TreePath,
    #[serde(rename = "to_party_organization_id")]
    pub to_organization_id: PartyOrganizationId,
    pub to_code: String,
    pub to_name: String,
    #[serde(skip)]
    pub to_path: TreePath,
    pub status: TransferStatus,
    pub issued_on: NaiveDate,
    pub issue_decision: String,
    pub issuing_body: String,
    pub accepted_on: Option<NaiveDate>,
    pub accept_decision: Option<String>,
    pub accepting_body: Option<String>,
    pub cancelled_on: Option<NaiveDate>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
