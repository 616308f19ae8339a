//! The members search as a spreadsheet: every member it finds, read a page
//! at a time (`GET /party-members?format=csv|xlsx`).

use super::search::MemberSearch;
use super::service;
use super::view::MemberSummary;
use crate::context::Ctx;
use crate::error::AppResult;
use crate::export::{every_page, Row, Sink};
use crate::pagination::{self, Limit, NameKey, MAX_LIMIT};

pub const HEADING: &[&str] = &[
    "Mã định danh",
    "Họ và tên",
    "Ngày sinh",
    "Giới tính",
    "Tình trạng",
    "Tổ chức đảng",
    "Ngày vào Đảng",
    "Ngày chính thức",
    "Hồ sơ cán bộ",
];

fn row(member: &MemberSummary) -> Row {
    vec![
        member.id.to_string().into(),
        member.full_name.clone().into(),
        member.birth_date.into(),
        member.sex.as_str().into(),
        member.status.as_str().into(),
        member.party_organization_id.to_string().into(),
        member.admitted_on.into(),
        member.official_on.into(),
        member.official_id.map(|id| id.to_string()).into(),
    ]
}

/// Every member the search finds (not one page), a page at a time into `sink`.
pub fn every(ctx: &mut Ctx, mut search: MemberSearch, sink: &mut Sink) -> AppResult<()> {
    search.limit = Limit(MAX_LIMIT);
    every_page(sink, row, |cursor| {
        let after = cursor.map(pagination::decode::<NameKey>).transpose()?;
        search.after = after.map(|NameKey(name, id)| (name, id));
        service::search(ctx, search.clone())
    })
}
