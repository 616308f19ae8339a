//! What committees count: statistics of a subtree on a date, and the
//! badges falling due.

use super::visible_unit;
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::party::member::next_badge;
use crate::party::repo::{members, stats};
use crate::party::search::{BadgeWindow, Statistics, StatsFilter};
use crate::party::view::BadgeDue;

pub fn statistics(ctx: &mut Ctx, filter: StatsFilter) -> AppResult<Statistics> {
    let unit = visible_unit(ctx, filter.unit)
        .map_err(|_| AppError::invalid("party_organization_id", "no such party organization"))?;
    let date = filter.as_of.unwrap_or(ctx.today);
    let cells = stats::cells(ctx.conn, &unit.path, date, date == ctx.today)?;
    let mut out = Statistics {
        party_organization_id: unit.id,
        as_of: date,
        total: 0,
        exempted: 0,
        by_status: Default::default(),
        by_sex: Default::default(),
        by_age_band: Default::default(),
        by_ethnic_group: Default::default(),
        by_religion: Default::default(),
        by_admission_year: Default::default(),
        by_years_of_membership: Default::default(),
    };
    for cell in cells {
        let map = match cell.dimension.as_str() {
            "total" => {
                out.total = cell.n;
                continue;
            }
            "exempted" => {
                if cell.key == "true" {
                    out.exempted = cell.n;
                }
                continue;
            }
            "status" => &mut out.by_status,
            "sex" => &mut out.by_sex,
            "age_band" => &mut out.by_age_band,
            "ethnic_group" => &mut out.by_ethnic_group,
            "religion" => &mut out.by_religion,
            "admission_year" => &mut out.by_admission_year,
            _ => &mut out.by_years_of_membership,
        };
        map.insert(cell.key, cell.n.into());
    }
    Ok(out)
}

/// Members of the subtree whose next badge falls due in the window, with it.
pub fn badges_due(ctx: &mut Ctx, window: BadgeWindow) -> AppResult<Vec<BadgeDue>> {
    let unit = visible_unit(ctx, window.unit)
        .map_err(|_| AppError::invalid("party_organization_id", "no such party organization"))?;
    let from = window.from.unwrap_or(ctx.today);
    let rows = members::badges_due(ctx.conn, &unit.path, (from, window.by), window.limit.0)?;
    Ok(rows
        .into_iter()
        .filter_map(|member| {
            let badge = next_badge(member.admitted_on, from)?;
            Some(BadgeDue { member, badge })
        })
        .collect())
}
