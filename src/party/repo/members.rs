//! SQL for members: rows, periods, events, arrangements, search.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bytea, Date, Nullable, Text};

use crate::db::schema::sql_types::Ltree;
use crate::db::schema::{
    party_attendances as a, party_exemptions as x, party_member_events as e,
    party_member_periods as p, party_members as m,
};
use crate::db::sql::SqlBuilder;
use crate::ids::{AttendanceId, MemberId, OfficialId, PartyOrganizationId};
use crate::party::member::{ExemptionReason, MemberEvent, MemberRow, NewMemberEvent, Period};
use crate::party::search::MemberSearch;
use crate::party::view::{AttendanceView, ExemptionView, MemberSummary, ProfileMembership};

pub fn insert(conn: &mut PgConnection, row: &MemberRow) -> QueryResult<()> {
    diesel::insert_into(m::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut PgConnection, id: MemberId) -> QueryResult<Option<MemberRow>> {
    m::table
        .find(id)
        .select(MemberRow::as_select())
        .first(conn)
        .optional()
}

/// The member, locked until the transaction ends: every workflow takes this
/// lock first, so two decisions about one member happen one after the other.
pub fn lock(conn: &mut PgConnection, id: MemberId) -> QueryResult<Option<MemberRow>> {
    m::table
        .find(id)
        .select(MemberRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn save(conn: &mut PgConnection, row: &MemberRow) -> QueryResult<MemberRow> {
    diesel::update(m::table.find(row.id))
        .set(row)
        .returning(MemberRow::as_returning())
        .get_result(conn)
}

/// One version on, after a change the periods' trigger mirrored.
pub fn touch(conn: &mut PgConnection, id: MemberId, now: DateTime<Utc>) -> QueryResult<MemberRow> {
    diesel::update(m::table.find(id))
        .set((m::version.eq(m::version + 1), m::updated_at.eq(now)))
        .returning(MemberRow::as_returning())
        .get_result(conn)
}

/// The member other than `except` holding one of these personal-code or
/// card indexes, anywhere.
pub fn holder_of(
    conn: &mut PgConnection,
    (personal, card): (&[Vec<u8>], &[Vec<u8>]),
    except: Option<MemberId>,
) -> QueryResult<Option<MemberId>> {
    #[derive(QueryableByName)]
    struct Holder {
        #[diesel(sql_type = Nullable<diesel::sql_types::Uuid>)]
        id: Option<uuid::Uuid>,
    }
    let found: Holder = diesel::sql_query("SELECT odb_party_member_by_index($1, $2, $3) AS id")
        .bind::<Array<Bytea>, _>(personal)
        .bind::<Array<Bytea>, _>(card)
        .bind::<Nullable<diesel::sql_types::Uuid>, _>(except.map(|m| m.0))
        .get_result(conn)?;
    Ok(found.id.map(MemberId))
}

/// The profile of the same person, found by the personal code's index
/// under any live blind-index key.
pub fn profile_of(
    conn: &mut PgConnection,
    profile_indexes: &[Vec<u8>],
) -> QueryResult<Option<OfficialId>> {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = Nullable<diesel::sql_types::Uuid>)]
        id: Option<uuid::Uuid>,
    }
    for index in profile_indexes {
        let found: Found = diesel::sql_query("SELECT odb_official_by_personal_index($1) AS id")
            .bind::<Bytea, _>(index)
            .get_result(conn)?;
        if let Some(id) = found.id {
            return Ok(Some(OfficialId(id)));
        }
    }
    Ok(None)
}

/// The members (probationary or official) whose home cell is `unit` today.
pub fn members_of(
    conn: &mut PgConnection,
    unit: PartyOrganizationId,
) -> QueryResult<Vec<(MemberId, crate::party::member::MemberStatus)>> {
    m::table
        .filter(m::party_organization_id.eq(unit))
        .filter(m::status.eq_any(["probationary", "official"]))
        .select((m::id, m::status))
        .load(conn)
}

/// The member linked to a profile, if row-level security shows them.
pub fn of_profile(
    conn: &mut PgConnection,
    official: OfficialId,
) -> QueryResult<Option<ProfileMembership>> {
    m::table
        .filter(m::official_id.eq(official))
        .select(ProfileMembership::as_select())
        .first(conn)
        .optional()
}

pub fn insert_period(conn: &mut PgConnection, period: &Period) -> QueryResult<()> {
    diesel::insert_into(p::table)
        .values(period)
        .execute(conn)
        .map(drop)
}

pub fn open_period(conn: &mut PgConnection, id: MemberId) -> QueryResult<Option<Period>> {
    p::table
        .filter(p::member_id.eq(id).and(p::valid_to.is_null()))
        .select(Period::as_select())
        .first(conn)
        .optional()
}

pub fn close_period(conn: &mut PgConnection, id: MemberId, on: NaiveDate) -> QueryResult<usize> {
    diesel::update(p::table.filter(p::member_id.eq(id).and(p::valid_to.is_null())))
        .set(p::valid_to.eq(on))
        .execute(conn)
}

/// The period holding `date`, if the member was a member then.
pub fn period_on(
    conn: &mut PgConnection,
    id: MemberId,
    date: NaiveDate,
) -> QueryResult<Option<Period>> {
    p::table
        .filter(p::member_id.eq(id))
        .filter(p::valid_from.le(date))
        .filter(p::valid_to.is_null().or(p::valid_to.gt(date)))
        .select(Period::as_select())
        .first(conn)
        .optional()
}

pub fn add_event(conn: &mut PgConnection, event: &NewMemberEvent) -> QueryResult<()> {
    diesel::insert_into(e::table)
        .values(event)
        .execute(conn)
        .map(drop)
}

pub fn events_of(conn: &mut PgConnection, id: MemberId) -> QueryResult<Vec<MemberEvent>> {
    e::table
        .filter(e::member_id.eq(id))
        .order((e::effective_on, e::id))
        .select(MemberEvent::as_select())
        .load(conn)
}

/// An attendance as stored.
#[derive(Queryable)]
struct AttendanceRow {
    id: AttendanceId,
    unit: PartyOrganizationId,
    from_on: NaiveDate,
    until_on: Option<NaiveDate>,
    ended_on: Option<NaiveDate>,
}

/// The attendance holding `date` (until it ended, or until its planned end).
pub fn attendance_on(
    conn: &mut PgConnection,
    id: MemberId,
    date: NaiveDate,
) -> QueryResult<Option<(AttendanceId, AttendanceView)>> {
    let found: Option<AttendanceRow> = a::table
        .filter(a::member_id.eq(id).and(a::from_on.le(date)))
        .order(a::from_on.desc())
        .select((
            a::id,
            a::party_organization_id,
            a::from_on,
            a::until_on,
            a::ended_on,
        ))
        .first(conn)
        .optional()?;
    Ok(found.and_then(|row| {
        let end = row.ended_on.or(row.until_on);
        end.is_none_or(|end| date < end).then_some((
            row.id,
            AttendanceView {
                party_organization_id: row.unit,
                from_on: row.from_on,
                until_on: row.until_on,
            },
        ))
    }))
}

pub fn start_attendance(
    conn: &mut PgConnection,
    row: (AttendanceId, MemberId, PartyOrganizationId),
    dates: (NaiveDate, Option<NaiveDate>),
    decision: &str,
) -> QueryResult<()> {
    diesel::insert_into(a::table)
        .values((
            a::id.eq(row.0),
            a::member_id.eq(row.1),
            a::party_organization_id.eq(row.2),
            a::from_on.eq(dates.0),
            a::until_on.eq(dates.1),
            a::decision_number.eq(decision),
        ))
        .execute(conn)
        .map(drop)
}

pub fn end_attendance(conn: &mut PgConnection, id: AttendanceId, on: NaiveDate) -> QueryResult<()> {
    diesel::update(a::table.find(id))
        .set(a::ended_on.eq(on))
        .execute(conn)
        .map(drop)
}

pub fn exemption_on(
    conn: &mut PgConnection,
    id: MemberId,
    date: NaiveDate,
) -> QueryResult<Option<ExemptionView>> {
    let found: Option<(ExemptionReason, NaiveDate)> = x::table
        .filter(x::member_id.eq(id).and(x::valid_from.le(date)))
        .filter(x::valid_to.is_null().or(x::valid_to.gt(date)))
        .select((x::reason, x::valid_from))
        .first(conn)
        .optional()?;
    Ok(found.map(|(reason, from_on)| ExemptionView { reason, from_on }))
}

pub fn start_exemption(
    conn: &mut PgConnection,
    id: MemberId,
    reason: ExemptionReason,
    from: NaiveDate,
    decision: &str,
) -> QueryResult<()> {
    diesel::insert_into(x::table)
        .values((
            x::member_id.eq(id),
            x::reason.eq(reason),
            x::valid_from.eq(from),
            x::decision_number.eq(decision),
        ))
        .execute(conn)
        .map(drop)
}

pub fn end_exemption(conn: &mut PgConnection, id: MemberId, on: NaiveDate) -> QueryResult<usize> {
    diesel::update(x::table.filter(x::member_id.eq(id).and(x::valid_to.is_null())))
        .set(x::valid_to.eq(on))
        .execute(conn)
}

/// Members by any of a number's blind indexes (identity card or party
/// card; one per live blind-index key), as today.
pub fn by_index(
    conn: &mut PgConnection,
    column: &str,
    indexes: &[Vec<u8>],
) -> QueryResult<Vec<MemberRow>> {
    let query = m::table.select(MemberRow::as_select()).into_boxed();
    let query = match column {
        "party_card_number" => query.filter(m::party_card_index.eq_any(indexes)),
        _ => query.filter(m::identity_index.eq_any(indexes)),
    };
    query.order((m::name_folded, m::id)).limit(50).load(conn)
}

const SUMMARY: &str = "SELECT m.id, m.version, m.full_name, m.birth_date, m.sex, \
    m.admitted_on, m.official_id, m.name_folded, ";

/// A page of members in name order: as they stand (the row's own columns,
/// a cell attended for now included: the page's keys first, from the name
/// indexes alone, then its rows), or as they stood on a date (their period
/// then).
pub fn search(conn: &mut PgConnection, search: &MemberSearch) -> QueryResult<Vec<MemberSummary>> {
    let mut sql = SqlBuilder::new(SUMMARY);
    let place = match search.as_of {
        Some(date) => {
            sql = sql
                .sql("p.status, p.party_organization_id, CASE WHEN m.official_on <= ")
                .bind::<Date, _>(date)
                .sql(
                    " THEN m.official_on END AS official_on FROM party_members m \
                      JOIN party_member_periods p ON p.member_id = m.id \
                      AND daterange(p.valid_from, p.valid_to) @> ",
                )
                .bind::<Date, _>(date)
                .sql(" WHERE true");
            if let Some(root) = &search.under {
                sql = sql.sql(" AND p.path <@ ").bind::<Ltree, _>(root.clone());
            }
            "p"
        }
        None => {
            sql = sql.sql(
                "m.status, m.party_organization_id, m.official_on FROM party_members m \
                 WHERE m.id IN (SELECT m.id FROM party_members m WHERE true",
            );
            if let Some(root) = &search.under {
                sql = sql
                    .sql(" AND (m.path <@ ")
                    .bind::<Ltree, _>(root.clone())
                    .sql(" OR m.attending_path <@ ")
                    .bind::<Ltree, _>(root.clone())
                    .sql(")");
            }
            "m"
        }
    };
    sql = match search.status {
        Some(status) => sql
            .sql(&format!(" AND {place}.status = "))
            .bind::<Text, _>(status.as_str()),
        // as the profile search: those whose membership ended only when asked
        None => sql.sql(&format!(
            " AND {place}.status IN ('probationary', 'official')"
        )),
    };
    sql = name_condition(sql, &search.name.words);
    if let Some((name, id)) = &search.after {
        sql = sql
            .sql(" AND (m.name_folded, m.id) > (")
            .bind::<Text, _>(name.clone())
            .sql(", ")
            .bind::<diesel::sql_types::Uuid, _>(*id)
            .sql(")");
    }
    sql = sql
        .sql(" ORDER BY m.name_folded, m.id LIMIT ")
        .bind::<BigInt, _>(search.limit.probe());
    if search.as_of.is_none() {
        sql = sql.sql(") ORDER BY m.name_folded, m.id");
    }
    sql.build().load(conn)
}

/// As the profile search: one word is a given or a family name; with more,
/// the last is the given name, the first the family name, and the words
/// come in that order.
fn name_condition<'f>(sql: SqlBuilder<'f>, words: &[String]) -> SqlBuilder<'f> {
    match words {
        [] => sql,
        [only] => sql
            .sql(" AND (m.given_name_folded = ")
            .bind::<Text, _>(only.clone())
            .sql(" OR m.family_name_folded = ")
            .bind::<Text, _>(only.clone())
            .sql(")"),
        [family, .., given] => {
            let pattern = words
                .iter()
                .map(|w| crate::text::like_literal(w))
                .collect::<Vec<_>>()
                .join("% ");
            // the family name as a range of the folded name (byte order):
            // the given-name index seeks straight to it (decision 0011)
            sql.sql(" AND m.given_name_folded = ")
                .bind::<Text, _>(given.clone())
                .sql(" AND m.name_folded LIKE ")
                .bind::<Text, _>(format!("{pattern}%"))
                .sql(" AND m.name_folded >= ")
                .bind::<Text, _>(format!("{family} "))
                .sql(" AND m.name_folded < ")
                .bind::<Text, _>(format!("{family}!"))
        }
    }
}

/// Members of the subtree (as they stand) whose next badge falls due in
/// `(from, by]`: the largest badge year reached by `by` is due after `from`.
pub fn badges_due(
    conn: &mut PgConnection,
    root: &crate::db::ltree::TreePath,
    window: (NaiveDate, NaiveDate),
    limit: i64,
) -> QueryResult<Vec<MemberSummary>> {
    diesel::sql_query(
        "SELECT m.id, m.version, m.full_name, m.birth_date, m.sex, m.admitted_on, m.official_id, \
                m.name_folded, m.status, m.party_organization_id, m.official_on \
         FROM party_members m, \
              LATERAL (SELECT extract(year FROM age($3, m.admitted_on))::int AS y) reached, \
              LATERAL (SELECT CASE WHEN y >= 45 THEN y - y % 5 WHEN y >= 40 THEN 40 \
                                   WHEN y >= 30 THEN 30 END AS badge) b \
         WHERE m.path <@ $1 AND m.status IN ('probationary', 'official') \
           AND b.badge IS NOT NULL AND (m.admitted_on + make_interval(years => b.badge))::date > $2 \
         ORDER BY (m.admitted_on + make_interval(years => b.badge)), m.name_folded, m.id LIMIT $4",
    )
    .bind::<Ltree, _>(root.clone())
    .bind::<Date, _>(window.0)
    .bind::<Date, _>(window.1)
    .bind::<BigInt, _>(limit)
    .load(conn)
}
