//! SQL for profiles, their records and changes.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Bytea, Date, Text, Uuid as SqlUuid};

use super::model::{
    CareerRow, Change, Classification, NewChange, OfficialRow, PersonalRow, Profile, ProfileStatus,
    RecordKind, RecordRow, Sex,
};
use crate::db::ltree::TreePath;
use crate::db::schema::sql_types::Ltree;
use crate::db::schema::{
    official_career, official_changes, official_personal, official_records, officials,
    party_members,
};
use crate::db::sql::SqlBuilder;
use crate::ids::{MemberId, PartyOrganizationId};
use crate::ids::{OfficialId, OrganizationId, RecordId};
use crate::pagination::NameKey;
use crate::party::member::MemberStatus;
use crate::party::view::ProfileMembership;

/// A new profile: its officials row, then its two parts.
pub fn insert(conn: &mut PgConnection, profile: &Profile) -> QueryResult<()> {
    diesel::insert_into(officials::table)
        .values(&profile.official)
        .execute(conn)?;
    diesel::insert_into(official_personal::table)
        .values(&profile.personal)
        .execute(conn)?;
    diesel::insert_into(official_career::table)
        .values(&profile.career)
        .execute(conn)
        .map(drop)
}

pub fn save(conn: &mut PgConnection, profile: &Profile) -> QueryResult<()> {
    diesel::update(officials::table.find(profile.id))
        .set(&profile.official)
        .execute(conn)?;
    diesel::update(official_personal::table.find(profile.id))
        .set(&profile.personal)
        .execute(conn)?;
    diesel::update(official_career::table.find(profile.id))
        .set(&profile.career)
        .execute(conn)
        .map(drop)
}

/// Every column but the key set from the row proposed (`excluded`).
macro_rules! from_excluded {
    ($table:ident: $($column:ident),+ $(,)?) => {
        ($($table::$column.eq(diesel::upsert::excluded($table::$column)),)+)
    };
}

/// New profiles inserted and changed ones rewritten, three statements for
/// all of them (one per table): what `insert` and `save` do one profile at
/// a time. A profile whose id exists is updated in place (its update
/// triggers fire, not its insert ones).
pub fn write_all(conn: &mut PgConnection, profiles: &[Profile]) -> QueryResult<()> {
    if profiles.is_empty() {
        return Ok(());
    }
    let official: Vec<&OfficialRow> = profiles.iter().map(|p| &p.official).collect();
    diesel::insert_into(officials::table)
        .values(official)
        .on_conflict(officials::id)
        .do_update()
        .set(from_excluded!(officials:
            classification, managing_organization_id, using_organization_id, cbccvc_code,
            full_name, name_folded, family_name_folded, given_name_folded, sex, birth_date,
            identity_card_index, personal_identification_index, social_insurance_index,
            ethnic_group_code, rank_code, position_code, political_theory_code, degree_code,
            party_admitted_on, party_official_on, status, retired_on, died_on, archived_at,
            version, created_at, updated_at, blind_index_version,
        ))
        .execute(conn)?;
    let personal: Vec<&PersonalRow> = profiles.iter().map(|p| &p.personal).collect();
    diesel::insert_into(official_personal::table)
        .values(personal)
        .on_conflict(official_personal::official_id)
        .do_update()
        .set(from_excluded!(official_personal:
            other_names, identity_card_number, identity_card_issue, personal_identification_code,
            social_insurance_number, religion_code, hometown, birthplace, current_address, phone,
            email, party_card_number, party_position, hometown_province_code,
            hometown_former_province_code, birthplace_province_code,
            birthplace_former_province_code, party_position_code, it_level_code,
            defence_training_code, joined_revolution_on, strengths, policy_status_code,
        ))
        .execute(conn)?;
    let career: Vec<&CareerRow> = profiles.iter().map(|p| &p.career).collect();
    diesel::insert_into(official_career::table)
        .values(career)
        .on_conflict(official_career::official_id)
        .do_update()
        .set(from_excluded!(official_career:
            first_recruited_on, recruiting_agency, recruiting_position, joined_current_agency_on,
            job_position, rank_since, salary_step, salary_coefficient_hundredths,
            salary_step_since, seniority_allowance_percent, next_raise_on, first_appointed_on,
            reappointed_on, term, concurrent_positions, general_education, education_level_code,
            foreign_languages, it_level, state_management_code, defence_security_training,
            minority_languages, academic_title_code, academic_title_on, degree_on,
            degree_specialty, leadership_salary_code, term_start_on, term_end_on,
            concurrent_posts,
        ))
        .execute(conn)
        .map(drop)
}

/// Where each of `ids` is placed, as row-level security shows it, for a
/// batch about to change them: the paths of its managing and using
/// organizations, and the managing one's group. A profile this
/// transaction does not see, or whose managing organization it does not
/// see, is left out.
pub fn placements(conn: &mut PgConnection, ids: &[OfficialId]) -> QueryResult<Vec<Placement>> {
    diesel::sql_query(
        "SELECT p.id, p.managing_path, p.using_path, o.org_group \
         FROM officials p JOIN organizations o ON o.id = p.managing_organization_id \
         WHERE p.id = ANY($1)",
    )
    .bind::<diesel::sql_types::Array<SqlUuid>, _>(ids)
    .load(conn)
}

#[derive(Debug, QueryableByName)]
pub struct Placement {
    #[diesel(sql_type = SqlUuid)]
    pub id: OfficialId,
    #[diesel(sql_type = Ltree)]
    pub managing_path: TreePath,
    #[diesel(sql_type = Ltree)]
    pub using_path: TreePath,
    #[diesel(sql_type = diesel::sql_types::Int2)]
    pub org_group: i16,
}

/// The profiles `ids` with their three rows locked (`find_for_update` for many).
pub fn all_for_update(conn: &mut PgConnection, ids: &[OfficialId]) -> QueryResult<Vec<Profile>> {
    joined()
        .filter(officials::id.eq_any(ids))
        .order(officials::id)
        .select(Profile::as_select())
        .for_update()
        .load(conn)
}

/// The holder of each of `indexes`, in their order (`holder_of_personal_index` for many).
pub fn holders_of_personal_indexes(
    conn: &mut PgConnection,
    indexes: &[Vec<u8>],
) -> QueryResult<Vec<Option<OfficialId>>> {
    #[derive(QueryableByName)]
    struct Holder {
        #[diesel(sql_type = diesel::sql_types::Nullable<SqlUuid>)]
        id: Option<OfficialId>,
    }
    let holders: Vec<Holder> = diesel::sql_query(
        "SELECT odb_official_by_personal_index(i) AS id \
         FROM unnest($1::bytea[]) WITH ORDINALITY AS t(i, n) ORDER BY n",
    )
    .bind::<diesel::sql_types::Array<Bytea>, _>(indexes)
    .load(conn)?;
    Ok(holders.into_iter().map(|h| h.id).collect())
}

/// History lines of many profiles in one statement.
pub fn insert_changes(conn: &mut PgConnection, changes: &[NewChange]) -> QueryResult<()> {
    if changes.is_empty() {
        return Ok(());
    }
    diesel::insert_into(official_changes::table)
        .values(changes)
        .execute(conn)
        .map(drop)
}

pub fn count(conn: &mut PgConnection) -> QueryResult<i64> {
    officials::table.count().get_result(conn)
}

/// A whole profile is its officials row joined to its two parts.
type Joined = diesel::dsl::InnerJoin<
    diesel::dsl::InnerJoin<officials::table, official_personal::table>,
    official_career::table,
>;

fn joined() -> Joined {
    officials::table
        .inner_join(official_personal::table)
        .inner_join(official_career::table)
}

/// The profile with the paths of its managing and using organizations,
/// which its row carries (kept by the database), and the party member
/// linked to it if row-level security shows them: one statement, where
/// reading the two organizations and the member took three more.
pub fn find_placed(conn: &mut PgConnection, id: OfficialId) -> QueryResult<Option<Placed>> {
    joined()
        .left_join(party_members::table.on(party_members::official_id.eq(officials::id.nullable())))
        .filter(officials::id.eq(id))
        .select((
            Profile::as_select(),
            (officials::managing_path, officials::using_path),
            (
                party_members::id.nullable(),
                party_members::status.nullable(),
                party_members::party_organization_id.nullable(),
                party_members::admitted_on.nullable(),
                party_members::official_on.nullable(),
            ),
        ))
        .first::<(Profile, (TreePath, TreePath), LinkedMember)>(conn)
        .optional()
        .map(|found| {
            found.map(|(profile, (managing, using), member)| {
                (profile, [managing, using], linked(member))
            })
        })
}

/// A profile, the paths of its managing and using organizations, and its
/// linked party member.
pub type Placed = (Profile, [TreePath; 2], Option<ProfileMembership>);

type LinkedMember = (
    Option<MemberId>,
    Option<MemberStatus>,
    Option<PartyOrganizationId>,
    Option<chrono::NaiveDate>,
    Option<chrono::NaiveDate>,
);

fn linked(member: LinkedMember) -> Option<ProfileMembership> {
    let (
        Some(member_id),
        Some(status),
        Some(party_organization_id),
        Some(admitted_on),
        official_on,
    ) = member
    else {
        return None;
    };
    Some(ProfileMembership {
        member_id,
        status,
        party_organization_id,
        admitted_on,
        official_on,
    })
}

/// The profile with its three rows locked.
pub fn find_for_update(conn: &mut PgConnection, id: OfficialId) -> QueryResult<Option<Profile>> {
    joined()
        .filter(officials::id.eq(id))
        .select(Profile::as_select())
        .for_update()
        .first(conn)
        .optional()
}

/// The profile holding this personal identification code, wherever it is.
pub fn holder_of_personal_index(
    conn: &mut PgConnection,
    index: &[u8],
) -> QueryResult<Option<OfficialId>> {
    #[derive(QueryableByName)]
    struct Holder {
        #[diesel(sql_type = diesel::sql_types::Nullable<SqlUuid>)]
        id: Option<OfficialId>,
    }
    let holder: Holder = diesel::sql_query("SELECT odb_official_by_personal_index($1) AS id")
        .bind::<Bytea, _>(index)
        .get_result(conn)?;
    Ok(holder.id)
}

/// The blind index a lookup goes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IndexColumn {
    IdentityCard,
    PersonalIdentification,
    SocialInsurance,
}

/// Exact lookup through a blind index, by any of the number's indexes (one
/// per live blind-index key); row-level security limits it to scope.
pub fn by_index(
    conn: &mut PgConnection,
    column: IndexColumn,
    indexes: &[Vec<u8>],
) -> QueryResult<Vec<OfficialRow>> {
    let query = officials::table
        .select(OfficialRow::as_select())
        .into_boxed();
    let query = match column {
        IndexColumn::IdentityCard => query.filter(officials::identity_card_index.eq_any(indexes)),
        IndexColumn::PersonalIdentification => {
            query.filter(officials::personal_identification_index.eq_any(indexes))
        }
        IndexColumn::SocialInsurance => {
            query.filter(officials::social_insurance_index.eq_any(indexes))
        }
    };
    query.order(officials::name_folded).limit(100).load(conn)
}

pub fn insert_record(conn: &mut PgConnection, row: &RecordRow) -> QueryResult<()> {
    diesel::insert_into(official_records::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// History entries of many profiles in one statement.
pub fn insert_records(conn: &mut PgConnection, rows: &[RecordRow]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    diesel::insert_into(official_records::table)
        .values(rows)
        .execute(conn)
        .map(drop)
}

pub fn save_record(conn: &mut PgConnection, row: &RecordRow) -> QueryResult<()> {
    diesel::update(official_records::table.find(row.id))
        .set(row)
        .execute(conn)
        .map(drop)
}

pub fn record_for_update(
    conn: &mut PgConnection,
    official: OfficialId,
    id: RecordId,
) -> QueryResult<Option<RecordRow>> {
    official_records::table
        .find(id)
        .filter(official_records::official_id.eq(official))
        .select(RecordRow::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn records(
    conn: &mut PgConnection,
    official: OfficialId,
    kind: Option<RecordKind>,
) -> QueryResult<Vec<RecordRow>> {
    let mut query = official_records::table
        .filter(official_records::official_id.eq(official))
        .select(RecordRow::as_select())
        .into_boxed();
    if let Some(kind) = kind {
        query = query.filter(official_records::kind.eq(kind));
    }
    query
        .order((
            official_records::kind,
            official_records::from_date.asc().nulls_first(),
            official_records::created_at,
        ))
        .load(conn)
}

/// The open career entry (no end date), which a transfer closes.
pub fn open_career(
    conn: &mut PgConnection,
    official: OfficialId,
) -> QueryResult<Option<RecordRow>> {
    Ok(open_records(conn, official, RecordKind::Career)?
        .into_iter()
        .next())
}

/// `open_records` of many profiles, each profile's together.
pub fn open_records_of(
    conn: &mut PgConnection,
    officials: &[OfficialId],
    kind: RecordKind,
) -> QueryResult<Vec<RecordRow>> {
    official_records::table
        .filter(official_records::official_id.eq_any(officials))
        .filter(official_records::kind.eq(kind))
        .filter(official_records::to_date.is_null())
        .select(RecordRow::as_select())
        .order((
            official_records::official_id,
            official_records::from_date.desc().nulls_last(),
            official_records::created_at.desc(),
        ))
        .load(conn)
}

/// Entries closed (their end date, version and time of change), many in
/// one statement.
pub fn close_records(conn: &mut PgConnection, rows: &[RecordRow]) -> QueryResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let ids: Vec<RecordId> = rows.iter().map(|r| r.id).collect();
    let ends: Vec<Option<NaiveDate>> = rows.iter().map(|r| r.to_date).collect();
    let versions: Vec<i32> = rows.iter().map(|r| r.version).collect();
    let at: Vec<chrono::DateTime<chrono::Utc>> = rows.iter().map(|r| r.updated_at).collect();
    diesel::sql_query(
        "UPDATE official_records r SET to_date = c.to_date, version = c.version, \
                updated_at = c.updated_at \
         FROM unnest($1::uuid[], $2::date[], $3::int[], $4::timestamptz[]) \
              AS c(id, to_date, version, updated_at) \
         WHERE r.id = c.id",
    )
    .bind::<diesel::sql_types::Array<SqlUuid>, _>(ids)
    .bind::<diesel::sql_types::Array<diesel::sql_types::Nullable<Date>>, _>(ends)
    .bind::<diesel::sql_types::Array<diesel::sql_types::Integer>, _>(versions)
    .bind::<diesel::sql_types::Array<diesel::sql_types::Timestamptz>, _>(at)
    .execute(conn)
    .map(drop)
}

/// The entries of `kind` still open, the one that began last first.
pub fn open_records(
    conn: &mut PgConnection,
    official: OfficialId,
    kind: RecordKind,
) -> QueryResult<Vec<RecordRow>> {
    official_records::table
        .filter(official_records::official_id.eq(official))
        .filter(official_records::kind.eq(kind))
        .filter(official_records::to_date.is_null())
        .select(RecordRow::as_select())
        .order((
            official_records::from_date.desc().nulls_last(),
            official_records::created_at.desc(),
        ))
        .load(conn)
}

pub fn insert_change(conn: &mut PgConnection, change: &NewChange) -> QueryResult<()> {
    diesel::insert_into(official_changes::table)
        .values(change)
        .execute(conn)
        .map(drop)
}

pub fn changes(conn: &mut PgConnection, official: OfficialId) -> QueryResult<Vec<Change>> {
    official_changes::table
        .filter(official_changes::official_id.eq(official))
        .order(official_changes::id)
        .select(Change::as_select())
        .load(conn)
}

/// A validated search.
#[derive(Debug, Default)]
pub struct Search {
    /// Folded name words; the last is matched as the given name.
    pub name_words: Vec<String>,
    /// Managing or using organization inside this subtree (or exactly this unit).
    pub organization: Option<(OrganizationId, TreePath, bool)>,
    pub classification: Option<Classification>,
    pub rank_code: Option<String>,
    pub position_code: Option<String>,
    pub degree_code: Option<String>,
    pub political_theory_code: Option<String>,
    pub ethnic_group_code: Option<String>,
    pub hometown_province_code: Option<String>,
    pub birthplace_province_code: Option<String>,
    /// Terms ending between these days (inclusive).
    pub term_ends: Option<(Option<NaiveDate>, Option<NaiveDate>)>,
    /// Next raise due between these days (inclusive).
    pub raise_due: Option<(Option<NaiveDate>, Option<NaiveDate>)>,
    pub sex: Option<Sex>,
    pub born_on_or_after: Option<NaiveDate>,
    pub born_on_or_before: Option<NaiveDate>,
    pub party_member: Option<bool>,
    pub status: Option<ProfileStatus>,
    pub roots: Option<Vec<TreePath>>,
    pub scan: ScanOrder,
    pub after: Option<NameKey>,
    pub limit: i64,
}

/// Profiles matching the search, in name order from the cursor. With a name,
/// the given name (last word) drives an index range scan that is already in
/// name order; a single word may be a given or a family name, so the two
/// indexes' ordered scans are merged.
///
/// A scope that holds few profiles (a commune, one unit) is the exception: a
/// name-ordered scan would walk past most of the country to fill a page, so
/// its profiles are taken through the organization indexes and sorted.
pub fn search(conn: &mut PgConnection, search: &Search) -> QueryResult<Vec<OfficialRow>> {
    let narrow = narrow_scope(conn, search)?;
    let narrow = narrow.as_deref();
    match search.name_words.as_slice() {
        [] => page(search, None, narrow).load(conn),
        [only] => {
            let mut rows = page(search, Some(("given_name_folded", only)), narrow)
                .load::<OfficialRow>(conn)?;
            rows.extend(
                page(search, Some(("family_name_folded", only)), narrow)
                    .load::<OfficialRow>(conn)?,
            );
            rows.sort_by(|a, b| (&a.name_folded, a.id).cmp(&(&b.name_folded, b.id)));
            rows.dedup_by_key(|r| r.id);
            rows.truncate(search.limit as usize);
            Ok(rows)
        }
        [.., given] => page(search, Some(("given_name_folded", given)), narrow).load(conn),
    }
}

/// How a search walks the profiles: in name order, filtering by scope, or
/// from the scope's units, sorting. Both give the same pages.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum ScanOrder {
    /// Scope first when the scope is narrow, else name first.
    #[default]
    ByScopeSize,
    NameFirst,
    ScopeFirst,
}

/// At most this many profiles make a scope narrow.
const NARROW_SCOPE_PROFILES: i32 = 2_000;
/// A scope of more units than this is taken as wide without counting.
const NARROW_SCOPE_UNITS: i64 = 200;

/// The units of a narrow scope (the organization filter, else the caller's
/// grants), or None when the scope is wide or unbounded.
fn narrow_scope(
    conn: &mut PgConnection,
    search: &Search,
) -> QueryResult<Option<Vec<OrganizationId>>> {
    if search.scan == ScanOrder::NameFirst {
        return Ok(None);
    }
    let units: Vec<OrganizationId> = match (&search.organization, &search.roots) {
        (Some((id, _, false)), _) => vec![*id],
        (Some((_, path, true)), _) => units_under(conn, std::slice::from_ref(path))?,
        (None, Some(roots)) => units_under(conn, roots)?,
        (None, None) => return Ok(None),
    };
    if units.len() as i64 > NARROW_SCOPE_UNITS {
        return Ok(None);
    }
    if search.scan == ScanOrder::ScopeFirst {
        return Ok(Some(units));
    }
    #[derive(QueryableByName)]
    struct Held {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        held: i32,
    }
    let held: Held = diesel::sql_query("SELECT odb_profiles_held($1, $2) AS held")
        .bind::<diesel::sql_types::Array<SqlUuid>, _>(&units)
        .bind::<diesel::sql_types::Integer, _>(NARROW_SCOPE_PROFILES + 1)
        .get_result(conn)?;
    Ok((held.held <= NARROW_SCOPE_PROFILES).then_some(units))
}

/// The units in these subtrees, up to one more than a narrow scope may have.
fn units_under(conn: &mut PgConnection, roots: &[TreePath]) -> QueryResult<Vec<OrganizationId>> {
    use crate::db::schema::organizations;
    organizations::table
        .filter(
            diesel::dsl::sql::<Bool>("path <@ ANY(")
                .bind::<Text, _>(crate::context::scope::literal(roots))
                .sql("::ltree[])"),
        )
        .select(organizations::id)
        .limit(NARROW_SCOPE_UNITS + 1)
        .load(conn)
}

fn page<'a>(
    search: &'a Search,
    name: Option<(&'static str, &'a String)>,
    narrow: Option<&'a [OrganizationId]>,
) -> diesel::query_builder::BoxedSqlQuery<'a, diesel::pg::Pg, diesel::query_builder::SqlQuery> {
    // the keys of the page first (an index-only scan when only name, scope and
    // status are asked), then the rows
    let q = SqlBuilder::new(
        "SELECT p.* FROM officials p WHERE p.id IN (SELECT p.id FROM officials p WHERE TRUE",
    );
    let q = by_name(q, search, name);
    let q = by_place(q, search, narrow);
    let q = by_attributes(q, search);
    let q = match &search.after {
        Some(NameKey(name, id)) => q
            .sql(" AND (p.name_folded, p.id) > (")
            .bind::<Text, _>(name.clone())
            .sql(", ")
            .bind::<SqlUuid, _>(*id)
            .sql(")"),
        None => q,
    };
    q.sql(" ORDER BY p.name_folded, p.id LIMIT ")
        .bind::<BigInt, _>(search.limit)
        .sql(") ORDER BY p.name_folded, p.id")
        .build()
}

/// The name word driving the scan, and with more words, the whole name.
fn by_name<'a>(
    mut q: SqlBuilder<'a>,
    search: &'a Search,
    name: Option<(&'static str, &'a String)>,
) -> SqlBuilder<'a> {
    if let Some((column, word)) = name {
        q = q
            .sql(&format!(" AND p.{column} = "))
            .bind::<Text, _>((*word).clone());
    }
    if search.name_words.len() > 1 {
        let pattern = search
            .name_words
            .iter()
            .map(|w| crate::text::like_literal(w))
            .collect::<Vec<_>>()
            .join("% ");
        // the family name bounds the range in byte order ("C" collation), so
        // the given-name index seeks straight to it instead of filtering
        let family = &search.name_words[0];
        q = q
            .sql(" AND p.name_folded LIKE ")
            .bind::<Text, _>(format!("{pattern}%"))
            .sql(" AND p.name_folded >= ")
            .bind::<Text, _>(format!("{family} "))
            .sql(" AND p.name_folded < ")
            .bind::<Text, _>(format!("{family}!"));
    }
    q
}

/// The organization asked for, the units of a narrow scope, and the scope.
fn by_place<'a>(
    mut q: SqlBuilder<'a>,
    search: &'a Search,
    narrow: Option<&'a [OrganizationId]>,
) -> SqlBuilder<'a> {
    if let Some((id, path, subtree)) = &search.organization {
        q = if *subtree {
            q.sql(" AND (p.managing_path <@ ")
                .bind::<Ltree, _>(path.clone())
                .sql(" OR p.using_path <@ ")
                .bind::<Ltree, _>(path.clone())
                .sql(")")
        } else {
            q.sql(" AND ")
                .bind::<SqlUuid, _>(*id)
                .sql(" IN (p.managing_organization_id, p.using_organization_id)")
        };
    }
    if let Some(units) = narrow {
        // says again what the scope filters say, in terms the organization
        // indexes answer: the planner then starts from the scope's few rows
        q = q
            .sql(" AND (p.managing_organization_id = ANY(")
            .bind::<diesel::sql_types::Array<SqlUuid>, _>(units)
            .sql(") OR p.using_organization_id = ANY(")
            .bind::<diesel::sql_types::Array<SqlUuid>, _>(units)
            .sql("))");
    }
    if let Some(roots) = &search.roots {
        let roots = crate::context::scope::literal(roots);
        q = q
            .sql(" AND (p.managing_path <@ ANY(")
            .bind::<Text, _>(roots.clone())
            .sql("::ltree[]) OR p.using_path <@ ANY(")
            .bind::<Text, _>(roots)
            .sql("::ltree[]))");
    }
    q
}

/// Codes, sex, status, age and party membership.
fn by_attributes<'a>(mut q: SqlBuilder<'a>, search: &'a Search) -> SqlBuilder<'a> {
    for (column, value) in [
        (
            "classification",
            search.classification.map(Classification::as_str),
        ),
        ("rank_code", search.rank_code.as_deref()),
        ("position_code", search.position_code.as_deref()),
        ("degree_code", search.degree_code.as_deref()),
        (
            "political_theory_code",
            search.political_theory_code.as_deref(),
        ),
        ("ethnic_group_code", search.ethnic_group_code.as_deref()),
        ("sex", search.sex.map(Sex::as_str)),
        ("status", search.status.map(ProfileStatus::as_str)),
    ] {
        if let Some(value) = value {
            q = q.sql(&format!(" AND p.{column} = ")).bind::<Text, _>(value);
        }
    }
    if let Some(date) = search.born_on_or_after {
        q = q.sql(" AND p.birth_date >= ").bind::<Date, _>(date);
    }
    if let Some(date) = search.born_on_or_before {
        q = q.sql(" AND p.birth_date <= ").bind::<Date, _>(date);
    }
    for (table, column, value) in [
        (
            "official_personal",
            "hometown_province_code",
            &search.hometown_province_code,
        ),
        (
            "official_personal",
            "birthplace_province_code",
            &search.birthplace_province_code,
        ),
    ] {
        if let Some(value) = value {
            q = q
                .sql(&format!(
                    " AND EXISTS (SELECT 1 FROM {table} x WHERE x.official_id = p.id AND x.{column} = "
                ))
                .bind::<Text, _>(value.clone())
                .sql(")");
        }
    }
    for (column, period) in [
        ("term_end_on", search.term_ends),
        ("next_raise_on", search.raise_due),
    ] {
        let Some((from, to)) = period else { continue };
        q = q.sql(&format!(
            " AND EXISTS (SELECT 1 FROM official_career x WHERE x.official_id = p.id AND x.{column} IS NOT NULL"
        ));
        if let Some(from) = from {
            q = q.sql(&format!(" AND x.{column} >= ")).bind::<Date, _>(from);
        }
        if let Some(to) = to {
            q = q.sql(&format!(" AND x.{column} <= ")).bind::<Date, _>(to);
        }
        q = q.sql(")");
    }
    if let Some(member) = search.party_member {
        q = q
            .sql(" AND (p.party_admitted_on IS NOT NULL) = ")
            .bind::<Bool, _>(member);
    }
    q
}
