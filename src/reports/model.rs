//! The statistics tables, what a request for one says, and their rows.

use chrono::NaiveDate;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Uuid};
use diesel::QueryableByName;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};
use crate::export::{Cell, Row};
use crate::ids::OrganizationId;
use crate::staffing::model::Period;
use crate::text_enum;
use crate::validation::parse;

text_enum!(
    /// The tables of Table 27 (`GET /statistics/{table}`).
    StatTable {
        Ranks = "ranks",
        Qualifications = "qualifications",
        PoliticalTheory = "political_theory",
        AgeBands = "age_bands",
        SexAndEthnicity = "sex_and_ethnicity",
        Organizations = "organizations",
        Staffing = "staffing",
    }
);

impl StatTable {
    /// The counts a table shows, in order; none for the staffing table.
    pub fn dimensions(self) -> &'static [&'static str] {
        match self {
            StatTable::Ranks => &["classification", "rank"],
            StatTable::Qualifications => &["academic_title", "degree", "education_level"],
            StatTable::PoliticalTheory => &["political_theory"],
            StatTable::AgeBands => &["age_band"],
            StatTable::SexAndEthnicity => &["sex", "ethnic_group"],
            StatTable::Organizations => &["section", "level", "type"],
            StatTable::Staffing => &[],
        }
    }
}

/// `GET /statistics/{table}` as sent.
#[derive(Debug, Default, Deserialize)]
pub struct StatsQuery {
    pub organization_id: Option<String>,
    pub as_of: Option<String>,
    pub period: Option<String>,
    pub format: Option<String>,
}

/// One table of one subtree on one date (today by default).
#[derive(Debug, Clone)]
pub struct StatsFilter {
    pub table: StatTable,
    pub organization: OrganizationId,
    pub as_of: Option<NaiveDate>,
    /// The staffing quotas' period; the year of `as_of` by default.
    pub period: Option<Period>,
}

impl TryFrom<(String, &StatsQuery)> for StatsFilter {
    type Error = AppError;

    fn try_from((table, query): (String, &StatsQuery)) -> AppResult<Self> {
        let table = table
            .parse()
            .map_err(|e: String| AppError::invalid("table", e))?;
        let organization = parse(
            "organization_id",
            &query.organization_id,
            "an organization id",
        )?
        .ok_or_else(|| AppError::invalid("organization_id", "is required: the subtree to count"))?;
        Ok(StatsFilter {
            table,
            organization,
            as_of: parse("as_of", &query.as_of, "a date (YYYY-MM-DD)")?,
            period: query.period.as_deref().map(Period::parse).transpose()?,
        })
    }
}

/// A count as PostgreSQL returns it, with the catalog's name for its code.
#[derive(Debug, QueryableByName)]
pub struct CountCell {
    #[diesel(sql_type = Text)]
    pub dimension: String,
    #[diesel(sql_type = Text)]
    pub key: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub name: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub female: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub ethnic_minority: Option<i64>,
}

/// A row of a count table: how many people (or organizations) have this
/// code, and of them how many women and members of ethnic minorities.
#[derive(Debug, Clone, Serialize)]
pub struct CountRow {
    pub dimension: String,
    pub code: String,
    pub name: String,
    pub count: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub female: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ethnic_minority: Option<i64>,
}

/// A row of the staffing table: one unit's quota in a category, or (no
/// organization) a section's or the whole subtree's sum.
#[derive(Debug, Clone, Serialize, QueryableByName)]
pub struct StaffingRow {
    /// `party_central`, `party_local` (with the Fatherland Front and the
    /// socio-political organizations) or `state`; null on the grand totals.
    #[diesel(sql_type = Nullable<Text>)]
    pub section: Option<String>,
    #[diesel(sql_type = Nullable<Uuid>)]
    pub organization_id: Option<OrganizationId>,
    #[diesel(sql_type = Nullable<Text>)]
    pub code: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub name: Option<String>,
    #[diesel(sql_type = Text)]
    pub category: String,
    #[diesel(sql_type = BigInt)]
    pub assigned: i64,
    /// Counted from the profiles held (null for the `other` category,
    /// which no profile is classified as).
    #[diesel(sql_type = Nullable<BigInt>)]
    pub current: Option<i64>,
    /// The figure the unit reported with its quota.
    #[diesel(sql_type = BigInt)]
    pub reported: i64,
    /// Places not filled: assigned less current, never negative, summed
    /// unit by unit.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub vacancies: Option<i64>,
    #[serde(skip)]
    #[diesel(sql_type = Integer)]
    pub subtotal: i32,
}

/// `GET /statistics/{table}`: a count table or the staffing table.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub table: StatTable,
    pub organization_id: OrganizationId,
    pub as_of: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// People counted (organizations, for the organization table; quota
    /// units, for the staffing table).
    pub total: i64,
    /// The counts (none for the staffing table).
    pub rows: Vec<CountRow>,
    /// The staffing table's rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quotas: Option<Vec<StaffingRow>>,
}

impl Report {
    /// The heading and rows a spreadsheet shows.
    pub fn sheet(&self) -> (&'static [&'static str], Vec<Row>) {
        match &self.quotas {
            None => (
                &[
                    "Chỉ tiêu",
                    "Mã",
                    "Tên",
                    "Số lượng",
                    "Nữ",
                    "Dân tộc thiểu số",
                ],
                self.rows
                    .iter()
                    .map(|r| {
                        vec![
                            r.dimension.as_str().into(),
                            r.code.as_str().into(),
                            r.name.as_str().into(),
                            r.count.into(),
                            r.female.into(),
                            r.ethnic_minority.into(),
                        ]
                    })
                    .collect(),
            ),
            Some(rows) => (
                &[
                    "Khối",
                    "Mã đơn vị",
                    "Tên đơn vị",
                    "Loại biên chế",
                    "Được giao",
                    "Hiện có (theo hồ sơ)",
                    "Đơn vị báo cáo",
                    "Còn thiếu",
                ],
                rows.iter()
                    .map(|r| {
                        vec![
                            Cell::from(r.section.clone()),
                            r.code.clone().into(),
                            r.name.clone().into(),
                            r.category.clone().into(),
                            r.assigned.into(),
                            r.current.into(),
                            r.reported.into(),
                            r.vacancies.into(),
                        ]
                    })
                    .collect(),
            ),
        }
    }
}

/// Names for the codes no catalog holds.
pub fn fixed_name(dimension: &str, key: &str) -> Option<&'static str> {
    Some(match (dimension, key) {
        (_, "unknown") => "Chưa có thông tin",
        (_, "all") => "Tổng số",
        ("classification", "cadre") => "Cán bộ",
        ("classification", "civil_servant") => "Công chức",
        ("classification", "public_employee") => "Viên chức",
        ("sex", "male") => "Nam",
        ("sex", "female") => "Nữ",
        ("age_band", "under_30") => "Dưới 30 tuổi",
        ("age_band", "30_39") => "Từ 30 đến 39 tuổi",
        ("age_band", "40_49") => "Từ 40 đến 49 tuổi",
        ("age_band", "50_59") => "Từ 50 đến 59 tuổi",
        ("age_band", "60_and_over") => "Từ 60 tuổi trở lên",
        ("section", "party_central") => "Khối Đảng ở Trung ương",
        ("section", "party_local") => "Khối Đảng, Mặt trận Tổ quốc và đoàn thể ở địa phương",
        ("section", "state") => "Khối Nhà nước",
        ("level", "central") => "Trung ương",
        ("level", "province") => "Tỉnh",
        ("level", "district") => "Huyện",
        ("level", "commune") => "Xã",
        _ => return None,
    })
}
