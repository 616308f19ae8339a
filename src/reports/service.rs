//! The statistics of a subtree on a date, and the lists exported as files.

use super::model::{fixed_name, CountCell, CountRow, Report, StatTable, StatsFilter};
use super::repo::{self, Subtree};
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::export::{Row, Sink};
use crate::officials::input::SearchFilter;
use crate::officials::view::OfficialSummary;
use crate::org::service::visible;
use crate::pagination::{self, Limit, MAX_LIMIT};

/// One table of Table 27 for the subtree of a unit the caller reads.
pub fn statistics(ctx: &mut Ctx, filter: StatsFilter) -> AppResult<Report> {
    let unit = visible(ctx, filter.organization)
        .map_err(|_| AppError::invalid("organization_id", "no such organization"))?;
    let date = filter.as_of.unwrap_or(ctx.today);
    let subtree = Subtree {
        root: unit.path,
        date,
        today: date == ctx.today,
    };
    let mut report = Report {
        table: filter.table,
        organization_id: unit.id,
        as_of: date,
        period: None,
        total: 0,
        rows: Vec::new(),
        quotas: None,
    };
    let cells = match filter.table {
        StatTable::Staffing => {
            let period = filter
                .period
                .map_or_else(|| date.format("%Y").to_string(), |p| p.as_str().to_owned());
            let rows = repo::staffing(ctx.conn, &subtree, &period)?;
            report.total = rows.iter().filter(|r| r.subtotal == 0).count() as i64;
            report.period = Some(period);
            report.quotas = Some(rows);
            return Ok(report);
        }
        StatTable::Organizations => repo::organization_counts(ctx.conn, &subtree)?,
        table => repo::profile_counts(ctx.conn, &subtree, table.dimensions())?,
    };
    report.total = cells
        .iter()
        .find(|c| c.dimension == "total")
        .map_or(0, |c| c.n);
    report.rows = in_table_order(filter.table, cells);
    Ok(report)
}

/// The table's dimensions in its order, each in the order PostgreSQL gave.
fn in_table_order(table: StatTable, cells: Vec<CountCell>) -> Vec<CountRow> {
    let mut rows: Vec<(usize, CountRow)> = cells
        .into_iter()
        .filter_map(|cell| {
            let place = table
                .dimensions()
                .iter()
                .position(|d| *d == cell.dimension)?;
            let name = cell
                .name
                .or_else(|| fixed_name(&cell.dimension, &cell.key).map(str::to_owned))
                .unwrap_or_else(|| cell.key.clone());
            Some((
                place,
                CountRow {
                    dimension: cell.dimension,
                    code: cell.key,
                    name,
                    count: cell.n,
                    female: cell.female,
                    ethnic_minority: cell.ethnic_minority,
                },
            ))
        })
        .collect();
    // stable: within a dimension the catalog order stays
    rows.sort_by_key(|(place, _)| *place);
    rows.into_iter().map(|(_, row)| row).collect()
}

/// The heading of an exported list of profiles.
pub const OFFICIALS_HEADING: &[&str] = &[
    "Mã hồ sơ",
    "Số hiệu CBCCVC",
    "Họ và tên",
    "Giới tính",
    "Ngày sinh",
    "Phân loại",
    "Đơn vị quản lý",
    "Đơn vị sử dụng",
    "Mã ngạch",
    "Mã chức vụ",
    "Tình trạng",
];

fn official_row(o: &OfficialSummary) -> Row {
    vec![
        o.id.to_string().into(),
        o.cbccvc_code.clone().into(),
        o.full_name.clone().into(),
        o.sex.as_str().into(),
        o.birth_date.into(),
        o.classification.as_str().into(),
        o.managing_organization_id.to_string().into(),
        o.using_organization_id.to_string().into(),
        o.rank_code.clone().into(),
        o.position_code.clone().into(),
        o.status.as_str().into(),
    ]
}

/// Every profile the search finds (not one page), a page at a time into
/// `sink`, in one transaction: the same search, rules and scope as the list.
pub fn officials_list(ctx: &mut Ctx, mut filter: SearchFilter, sink: &mut Sink) -> AppResult<()> {
    filter.limit = Limit(MAX_LIMIT);
    crate::export::every_page(sink, official_row, |cursor| {
        filter.after = cursor.map(pagination::decode).transpose()?;
        crate::officials::service::search(ctx, filter.clone())
    })
}
