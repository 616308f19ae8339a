//! Finding profiles: search by name and filters, a page at a time, and the
//! exact lookup by an identity number.

use chrono::{Days, Months, NaiveDate};

use super::unit;
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::officials::codec::TABLE;
use crate::officials::input::{Lookup, OrganizationFilter, SearchFilter};
use crate::officials::repo::{self, ScanOrder, Search};
use crate::officials::view::OfficialSummary;
use crate::pagination::{self, NameKey, Page};

fn years_before(date: NaiveDate, years: u32) -> NaiveDate {
    date.checked_sub_months(Months::new(12 * years))
        .unwrap_or(date)
}

/// Search as officials use it, sorted by name, a page at a time.
pub fn search(ctx: &mut Ctx, filter: SearchFilter) -> AppResult<Page<OfficialSummary>> {
    let organization = match filter.organization {
        Some(OrganizationFilter { id, subtree }) => {
            let path = unit(ctx, id)?
                .map(|u| u.path)
                .filter(|path| ctx.scope.can_read(path))
                .ok_or_else(|| AppError::invalid("organization_id", "no such organization"))?;
            Some((id, path, subtree))
        }
        None => None,
    };
    if filter.party_member.is_some() && !ctx.sees_party_data() {
        // the filter would say what the profile withholds
        return Err(AppError::Forbidden(
            "filtering by party membership needs a party grant".into(),
        ));
    }
    let today = ctx.today;
    let search = Search {
        name_words: filter.name.words,
        organization,
        classification: filter.classification,
        rank_code: filter.codes.rank_code,
        position_code: filter.codes.position_code,
        degree_code: filter.codes.degree_code,
        political_theory_code: filter.codes.political_theory_code,
        ethnic_group_code: filter.codes.ethnic_group_code,
        hometown_province_code: filter.codes.hometown_province_code,
        birthplace_province_code: filter.codes.birthplace_province_code,
        term_ends: filter.term_ends.map(|p| (p.from, p.to)),
        raise_due: filter.raise_due.map(|p| (p.from, p.to)),
        sex: filter.sex,
        // age in [min, max]: born after (today - max - 1 years), on or before (today - min years)
        born_on_or_after: filter
            .age_max
            .map(|a| years_before(today, a + 1) + Days::new(1)),
        born_on_or_before: filter.age_min.map(|a| years_before(today, a)),
        party_member: filter.party_member,
        status: Some(filter.status),
        roots: ctx.scope.read_roots(),
        scan: ScanOrder::ByScopeSize,
        after: filter.after,
        limit: filter.limit.probe(),
    };
    let rows = repo::search(ctx.conn, &search)?;
    let (rows, next_cursor) = pagination::finish(rows, filter.limit, |r| {
        NameKey(r.name_folded.clone(), r.id.into())
    });
    Ok(Page {
        items: rows.iter().map(OfficialSummary::from).collect(),
        next_cursor,
    })
}

/// Exact lookup by an identity number, through its blind index; always
/// audited, and at the one profile found when there is exactly one, so
/// the auditors of its subtree see it.
pub fn lookup(ctx: &mut Ctx, lookup: Lookup) -> AppResult<Vec<OfficialSummary>> {
    let indexes = ctx.keyring.live_blind_indexes(
        ctx.conn,
        TABLE,
        lookup.field,
        &lookup.normalized,
        lookup.whole,
    )?;
    let rows = repo::by_index(ctx.conn, lookup.column, &indexes)?;
    let (entity, managing) = match rows.as_slice() {
        [only] => (
            Some(only.id.to_string()),
            unit(ctx, only.managing_organization_id)?.map(|u| u.path),
        ),
        _ => (None, None),
    };
    let fields = vec![lookup.field.to_owned()];
    let mut event = ctx.event("official.lookup", "official", entity, managing, fields);
    event.details = serde_json::json!({
        "matches": rows.len(),
        "ids": rows.iter().map(|r| r.id).collect::<Vec<_>>(),
    });
    ctx.audit(&event)?;
    Ok(rows.iter().map(OfficialSummary::from).collect())
}
