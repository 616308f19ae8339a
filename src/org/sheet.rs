//! The organizations listing as a spreadsheet: every unit it finds, read a
//! page at a time (`GET /organizations?format=csv|xlsx`).

use super::filter::ListFilter;
use super::model::OrganizationView;
use super::read;
use crate::context::Ctx;
use crate::error::AppResult;
use crate::export::{every_page, Row, Sink};
use crate::pagination::{self, Limit, MAX_LIMIT};

pub const HEADING: &[&str] = &[
    "Mã định danh",
    "Mã đơn vị",
    "Tên đơn vị",
    "Tên viết tắt",
    "Cấp",
    "Loại hình",
    "Nhóm",
    "Đơn vị cấp trên",
    "Tình trạng",
    "Ngày thành lập",
    "Biên chế được giao",
    "Biên chế hiện có",
];

fn row(view: &OrganizationView) -> Row {
    let unit = &view.organization;
    vec![
        unit.id.to_string().into(),
        unit.code.clone().into(),
        unit.name.clone().into(),
        unit.abbreviation.clone().into(),
        unit.level.as_str().into(),
        unit.org_type.clone().into(),
        i64::from(unit.org_group).into(),
        view.parent_id.map(|p| p.to_string()).into(),
        unit.status.as_str().into(),
        unit.established_on.into(),
        view.assigned_headcount.into(),
        view.current_headcount.into(),
    ]
}

/// Every unit the listing finds (not one page), a page at a time into `sink`.
pub fn every(ctx: &mut Ctx, mut filter: ListFilter, sink: &mut Sink) -> AppResult<()> {
    filter.limit = Limit(MAX_LIMIT);
    every_page(sink, row, |cursor| {
        filter.after = cursor.map(pagination::decode).transpose()?;
        read::list(ctx, filter.clone())
    })
}
