//! Rules for organizations: creating, changing and moving them in the tree,
//! and reading the tree as it stands or stood.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::PgConnection;
use serde_json::json;
use uuid::Uuid;

use super::model::{
    CreateOrganization, Level, NewEvent, Organization, OrganizationView, Placement, Status,
    UpdateOrganization,
};
use super::repo::{self, ListFilter, ListedRow};
use crate::context::Scope;
use crate::db::ltree::TreePath;
use crate::error::{AppError, AppResult};
use crate::pagination::{self, Limit, NameKey, Page};
use crate::validation::{parse, validated};

/// A live organization (in the tree today) that the caller may change.
pub fn live(
    conn: &mut PgConnection,
    scope: &Scope,
    id: Uuid,
    field: &str,
) -> AppResult<(Organization, Placement)> {
    let org = repo::find(conn, id)?
        .filter(|o| scope.can_read(&o.path))
        .ok_or_else(|| AppError::invalid(field, "no such organization"))?;
    scope.require_write(&org.path, &org.code)?;
    let placement = repo::open_placement(conn, id)?.ok_or_else(|| {
        AppError::invalid(
            field,
            format!("{} is no longer in the tree ({})", org.code, org.status),
        )
    })?;
    Ok((org, placement))
}

pub fn get(conn: &mut PgConnection, id: Uuid) -> AppResult<Organization> {
    repo::find(conn, id)?.ok_or(AppError::NotFound {
        entity: "organization",
    })
}

/// The organization if the caller may see it; 404 alike whether it is
/// missing or out of scope, so existence does not leak.
pub fn visible(conn: &mut PgConnection, scope: &Scope, id: Uuid) -> AppResult<Organization> {
    repo::find(conn, id)?
        .filter(|o| scope.can_read(&o.path))
        .ok_or(AppError::NotFound {
            entity: "organization",
        })
}

pub fn create(
    conn: &mut PgConnection,
    scope: &Scope,
    input: CreateOrganization,
    now: DateTime<Utc>,
) -> AppResult<OrganizationView> {
    validated(&input)?;
    let status = input.status.unwrap_or(Status::Active);
    if status.is_terminal() {
        return Err(AppError::invalid(
            "status",
            "dissolved, merged and split come only from a reorganization",
        ));
    }
    if repo::code_taken(conn, &input.code, None)? {
        return Err(AppError::conflict(
            "code-taken",
            format!("an organization with code {} exists", input.code),
        ));
    }
    let id = Uuid::new_v4();
    let path = match input.parent_id {
        None if repo::root_exists(conn)? => {
            return Err(AppError::invalid(
                "parent_id",
                "is required: the tree already has its root",
            ))
        }
        None if !matches!(scope, Scope::System) => {
            return Err(AppError::invalid(
                "parent_id",
                "is required: only the command line creates the root",
            ))
        }
        None => TreePath::root(id),
        Some(parent_id) => {
            let (parent, _) = live(conn, scope, parent_id, "parent_id")?;
            check_rank(parent.level(), input.level, "level")?;
            parent.path.child(id)
        }
    };
    if let Some(agency) = input.executive_agency_id {
        get(conn, agency)
            .map_err(|_| AppError::invalid("executive_agency_id", "no such organization"))?;
    }
    let since = input.established_on.unwrap_or_else(|| now.date_naive());
    let org = Organization {
        id,
        name_folded: crate::text::fold(&input.name),
        code: input.code,
        name: input.name.trim().to_owned(),
        abbreviation: input.abbreviation,
        level: input.level.as_str().to_owned(),
        org_type: input.org_type,
        org_group: input.group,
        parent_id: input.parent_id,
        path: path.clone(),
        executive_agency_id: input.executive_agency_id,
        agency_number: input.number,
        status: status.as_str().to_owned(),
        accounting_method: input.accounting_method,
        address: input.address,
        phone: input.phone,
        tax_code: input.tax_code,
        social_insurance_office: input.social_insurance_office,
        bank_account: input.bank_account,
        established_on: input.established_on,
        establishment_decision: input.establishment_decision.clone(),
        dissolved_on: None,
        dissolution_decision: None,
        party_organization_name: input.party_organization_name,
        party_organization_type: input.party_organization_type,
        awards: json!(input.awards),
        disciplines: json!(input.disciplines),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    repo::insert(conn, &org)?;
    repo::insert_placement(
        conn,
        &Placement {
            organization_id: id,
            parent_id: org.parent_id,
            path,
            valid_from: since,
            valid_to: None,
        },
    )?;
    record(
        conn,
        id,
        "created",
        since,
        input.establishment_decision,
        None,
        None,
        json!({}),
        now,
    )?;
    one_view(conn, org, None)
}

/// A child may sit at its parent's tier or below, never above it.
fn check_rank(parent: Level, child: Level, field: &str) -> AppResult<()> {
    if child.rank() < parent.rank() {
        return Err(AppError::invalid(
            field,
            format!("a {child} unit cannot sit under a {parent} unit"),
        ));
    }
    Ok(())
}

#[expect(
    clippy::too_many_arguments,
    reason = "an event row has this many facts"
)]
pub fn record(
    conn: &mut PgConnection,
    organization_id: Uuid,
    kind: &'static str,
    effective_date: NaiveDate,
    decision_number: Option<String>,
    reorganization_id: Option<Uuid>,
    related_organization_id: Option<Uuid>,
    details: serde_json::Value,
    now: DateTime<Utc>,
) -> AppResult<()> {
    repo::insert_event(
        conn,
        &NewEvent {
            organization_id,
            kind,
            effective_date,
            decision_number,
            reorganization_id,
            related_organization_id,
            details,
            recorded_at: now,
        },
    )?;
    Ok(())
}

pub fn update(
    conn: &mut PgConnection,
    scope: &Scope,
    id: Uuid,
    expected_version: i32,
    patch: UpdateOrganization,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<(OrganizationView, Vec<String>)> {
    validated(&patch)?;
    let mut org = repo::find_for_update(conn, id)?
        .filter(|o| scope.can_read(&o.path))
        .ok_or(AppError::NotFound {
            entity: "organization",
        })?;
    scope.require_write(&org.path, &org.code)?;
    if org.version != expected_version {
        return Err(AppError::StaleVersion {
            expected: expected_version,
            current: org.version,
        });
    }
    let closed = org.status().is_terminal();
    if closed && (patch.parent_id.is_some() || patch.status.is_some() || patch.level.is_some()) {
        return Err(AppError::conflict(
            "organization-closed",
            format!(
                "{} was {} on its reorganization; its place and status are history",
                org.code, org.status
            ),
        ));
    }
    let mut changed: Vec<&str> = Vec::new();
    if let Some(status) = patch.status {
        if status.is_terminal() {
            return Err(AppError::invalid(
                "status",
                "dissolved, merged and split come only from a reorganization",
            ));
        }
        set(
            &mut org.status,
            status.as_str().to_owned(),
            "status",
            &mut changed,
        );
    }
    if let Some(code) = patch.code.clone() {
        if code != org.code && repo::code_taken(conn, &code, Some(id))? {
            return Err(AppError::conflict(
                "code-taken",
                format!("an organization with code {code} exists"),
            ));
        }
        set(&mut org.code, code, "code", &mut changed);
    }
    if let Some(level) = patch.level {
        check_level_fits(conn, &org, level)?;
        set(
            &mut org.level,
            level.as_str().to_owned(),
            "level",
            &mut changed,
        );
    }
    if let Some(name) = patch.name.clone() {
        org.name_folded = crate::text::fold(&name);
        set(&mut org.name, name.trim().to_owned(), "name", &mut changed);
    }
    if let Some(agency) = patch.executive_agency_id {
        if let Some(agency_id) = agency {
            get(conn, agency_id)
                .map_err(|_| AppError::invalid("executive_agency_id", "no such organization"))?;
        }
        set(
            &mut org.executive_agency_id,
            agency,
            "executive_agency_id",
            &mut changed,
        );
    }
    apply_details(&mut org, &patch, &mut changed);
    if let Some(parent_id) = patch.parent_id.filter(|p| Some(*p) != org.parent_id) {
        let on = patch.moved_on.unwrap_or(today);
        move_under(conn, scope, &org, parent_id, on, None, now)?;
        org = repo::find(conn, id)?.ok_or(AppError::NotFound {
            entity: "organization",
        })?;
        changed.push("parent_id");
    } else if patch.moved_on.is_some() {
        return Err(AppError::invalid(
            "moved_on",
            "only applies with a new parent_id",
        ));
    }
    let fields: Vec<String> = changed.iter().map(|f| (*f).to_owned()).collect();
    if changed.is_empty() {
        return Ok((one_view(conn, org, None)?, fields));
    }
    // one version per request, though a move already counted one
    org.version = expected_version + 1;
    org.updated_at = now;
    repo::save(conn, &org)?;
    record(
        conn,
        id,
        "updated",
        today,
        None,
        None,
        None,
        json!({ "fields": changed }),
        now,
    )?;
    Ok((one_view(conn, org, None)?, fields))
}

fn set<T: PartialEq>(slot: &mut T, value: T, name: &'static str, changed: &mut Vec<&'static str>) {
    if *slot != value {
        *slot = value;
        changed.push(name);
    }
}

fn apply_details(
    org: &mut Organization,
    patch: &UpdateOrganization,
    changed: &mut Vec<&'static str>,
) {
    macro_rules! nullable {
        ($($field:ident => $column:ident),+) => {$(
            if let Some(value) = &patch.$field {
                set(&mut org.$column, value.clone(), stringify!($field), changed);
            }
        )+};
    }
    nullable!(
        abbreviation => abbreviation,
        number => agency_number,
        accounting_method => accounting_method,
        address => address,
        phone => phone,
        tax_code => tax_code,
        social_insurance_office => social_insurance_office,
        bank_account => bank_account,
        party_organization_name => party_organization_name,
        party_organization_type => party_organization_type,
        established_on => established_on,
        establishment_decision => establishment_decision
    );
    if let Some(kind) = &patch.org_type {
        set(&mut org.org_type, kind.clone(), "type", changed);
    }
    if let Some(group) = patch.group {
        set(&mut org.org_group, group, "group", changed);
    }
    if let Some(awards) = &patch.awards {
        set(&mut org.awards, json!(awards), "awards", changed);
    }
    if let Some(disciplines) = &patch.disciplines {
        set(
            &mut org.disciplines,
            json!(disciplines),
            "disciplines",
            changed,
        );
    }
}

fn check_level_fits(conn: &mut PgConnection, org: &Organization, level: Level) -> AppResult<()> {
    if let Some(parent_id) = org.parent_id {
        check_rank(get(conn, parent_id)?.level(), level, "level")?;
    }
    for child in repo::live_children(conn, org.id)? {
        check_rank(level, get(conn, child)?.level(), "level")?;
    }
    Ok(())
}

/// Moves `org` and everything under it below `parent_id`, effective `on`.
pub fn move_under(
    conn: &mut PgConnection,
    scope: &Scope,
    org: &Organization,
    parent_id: Uuid,
    on: NaiveDate,
    reorganization: Option<(Uuid, &str)>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let (parent, _) = live(conn, scope, parent_id, "parent_id")?;
    if parent.path.0 == org.path.0 || parent.path.0.starts_with(&format!("{}.", org.path.0)) {
        return Err(AppError::conflict(
            "cycle",
            format!(
                "{} cannot move under {}, which is inside its own subtree",
                org.code, parent.code
            ),
        ));
    }
    check_rank(parent.level(), org.level(), "parent_id")?;
    if let Some(latest) = repo::latest_placement_start(conn, &org.path)? {
        if on < latest {
            return Err(AppError::invalid(
                "moved_on",
                format!("must not be before {latest}, when this subtree last changed; history is not rewritten"),
            ));
        }
    }
    repo::move_subtree(conn, org.id, &org.path, parent.id, &parent.path, on)?;
    let (reorganization_id, decision) = reorganization.unzip();
    record(
        conn,
        org.id,
        "moved",
        on,
        decision.map(str::to_owned),
        reorganization_id,
        Some(parent.id),
        json!({ "from_parent_id": org.parent_id, "to_parent_id": parent.id }),
        now,
    )
}

/// Query parameters of organization listings, parsed with their field names.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ListQuery {
    pub as_of: Option<String>,
    pub level: Option<String>,
    #[serde(rename = "type")]
    pub org_type: Option<String>,
    pub group: Option<String>,
    pub status: Option<String>,
    pub parent_id: Option<String>,
    pub under: Option<String>,
    pub q: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

fn parse_word<T>(
    field: &str,
    raw: &Option<String>,
    from: fn(&str) -> Option<T>,
    all: &[&str],
) -> AppResult<Option<T>> {
    raw.as_deref()
        .map(|text| {
            from(text).ok_or_else(|| {
                AppError::invalid(field, format!("must be one of: {}", all.join(", ")))
            })
        })
        .transpose()
}

pub fn list(
    conn: &mut PgConnection,
    scope: &Scope,
    query: &ListQuery,
    parent: Option<Uuid>,
) -> AppResult<Page<OrganizationView>> {
    let limit = Limit::parse(parse("limit", &query.limit, "an integer")?)?;
    let levels: Vec<&str> = Level::ALL.iter().map(|l| l.as_str()).collect();
    let statuses: Vec<&str> = Status::ALL.iter().map(|s| s.as_str()).collect();
    let group = parse::<i16>("group", &query.group, "1 or 2")?;
    if group.is_some_and(|g| !(1..=2).contains(&g)) {
        return Err(AppError::invalid("group", "must be 1 or 2"));
    }
    let under = match parse::<Uuid>("under", &query.under, "an organization id")? {
        Some(id) => Some(
            visible(conn, scope, id)
                .map_err(|_| AppError::invalid("under", "no such organization"))?
                .path,
        ),
        None => None,
    };
    if query
        .q
        .as_deref()
        .is_some_and(|q| q.contains('\0') || q.chars().count() > 200)
    {
        return Err(AppError::invalid(
            "q",
            "must be at most 200 characters, without NUL",
        ));
    }
    if query.org_type.as_deref().is_some_and(|t| !is_type_word(t)) {
        return Err(AppError::invalid(
            "type",
            "must be a snake_case word such as ministry",
        ));
    }
    let filter = ListFilter {
        as_of: parse("as_of", &query.as_of, "a date (YYYY-MM-DD)")?,
        level: parse_word("level", &query.level, Level::parse, &levels)?
            .map(|l| l.as_str().to_owned()),
        org_type: query.org_type.clone(),
        group,
        status: parse_word("status", &query.status, Status::parse, &statuses)?
            .map(|s| s.as_str().to_owned()),
        parent: parent.or(parse("parent_id", &query.parent_id, "an organization id")?),
        under,
        name_words: query
            .q
            .as_deref()
            .map(crate::text::fold)
            .unwrap_or_default()
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect(),
        after: query
            .cursor
            .as_deref()
            .map(pagination::decode::<NameKey>)
            .transpose()?,
        limit: limit.probe(),
        roots: scope.read_roots(),
    };
    let rows = repo::list(conn, &filter)?;
    let (rows, next_cursor) = pagination::finish(rows, limit, |r| {
        NameKey(r.org.name_folded.clone(), r.org.id)
    });
    Ok(Page {
        items: views(conn, rows)?,
        next_cursor,
    })
}

fn is_type_word(text: &str) -> bool {
    let mut bytes = text.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && text.len() <= 50
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Codes are short upper-case ASCII; anything else cannot name an organization.
pub fn find_by_code(conn: &mut PgConnection, code: &str) -> AppResult<Organization> {
    let plausible = (1..=32).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b"._-".contains(&b));
    let found = if plausible {
        repo::find_by_code(conn, code)?
    } else {
        None
    };
    found.ok_or(AppError::NotFound {
        entity: "organization",
    })
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct SubtreeQuery {
    pub depth: Option<String>,
    pub as_of: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

pub const MAX_SUBTREE_DEPTH: i32 = 10;

pub fn subtree(
    conn: &mut PgConnection,
    scope: &Scope,
    id: Uuid,
    query: &SubtreeQuery,
) -> AppResult<Page<OrganizationView>> {
    let depth = parse::<i32>("depth", &query.depth, "an integer")?.unwrap_or(1);
    if !(0..=MAX_SUBTREE_DEPTH).contains(&depth) {
        return Err(AppError::invalid(
            "depth",
            format!("must be between 0 and {MAX_SUBTREE_DEPTH}"),
        ));
    }
    let as_of = parse("as_of", &query.as_of, "a date (YYYY-MM-DD)")?;
    let limit = Limit::parse(parse("limit", &query.limit, "an integer")?)?;
    let after = query
        .cursor
        .as_deref()
        .map(pagination::decode::<String>)
        .transpose()?
        .map(TreePath);
    visible(conn, scope, id)?;
    let root = repo::placement_on(conn, id, as_of)?.ok_or_else(|| {
        AppError::conflict(
            "not-in-tree",
            "the organization was not in the tree on that date",
        )
    })?;
    let rows = repo::subtree(conn, &root.path, depth, as_of, after, limit.probe())?;
    let (rows, next_cursor) = pagination::finish(rows, limit, |(_, path)| path.0.clone());
    views(conn, rows.into_iter().map(|(row, _)| row).collect())
        .map(|items| Page { items, next_cursor })
}

pub fn one_view(
    conn: &mut PgConnection,
    org: Organization,
    as_of: Option<NaiveDate>,
) -> AppResult<OrganizationView> {
    let placed_parent_id = match as_of {
        None => org.parent_id,
        Some(date) => {
            repo::placement_on(conn, org.id, Some(date))?
                .ok_or(AppError::NotFound {
                    entity: "organization on that date",
                })?
                .parent_id
        }
    };
    let mut list = views(
        conn,
        vec![ListedRow {
            org,
            placed_parent_id,
            depth: None,
        }],
    )?;
    list.pop().ok_or(AppError::Internal("view lost".into()))
}

/// Views with predecessors and headcounts, loaded for the whole page at once.
pub fn views(conn: &mut PgConnection, rows: Vec<ListedRow>) -> AppResult<Vec<OrganizationView>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.org.id).collect();
    let mut predecessors: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for (org, pred) in repo::predecessors_of(conn, &ids)? {
        predecessors.entry(org).or_default().push(pred);
    }
    let headcounts: HashMap<Uuid, (i64, i64)> = repo::headcounts_of(conn, &ids)?
        .into_iter()
        .map(|h| (h.organization_id, (h.assigned, h.current)))
        .collect();
    Ok(rows
        .into_iter()
        .map(|row| {
            let org = row.org;
            let heads = headcounts.get(&org.id).copied();
            OrganizationView {
                id: org.id,
                predecessor_ids: predecessors.remove(&org.id).unwrap_or_default(),
                assigned_headcount: heads.map(|h| h.0),
                current_headcount: heads.map(|h| h.1),
                depth: row.depth,
                parent_id: row.placed_parent_id,
                code: org.code,
                name: org.name,
                abbreviation: org.abbreviation,
                level: org.level,
                org_type: org.org_type,
                group: org.org_group,
                executive_agency_id: org.executive_agency_id,
                number: org.agency_number,
                status: org.status,
                accounting_method: org.accounting_method,
                address: org.address,
                phone: org.phone,
                tax_code: org.tax_code,
                social_insurance_office: org.social_insurance_office,
                bank_account: org.bank_account,
                established_on: org.established_on,
                establishment_decision: org.establishment_decision,
                dissolved_on: org.dissolved_on,
                dissolution_decision: org.dissolution_decision,
                party_organization_name: org.party_organization_name,
                party_organization_type: org.party_organization_type,
                awards: org.awards,
                disciplines: org.disciplines,
                version: org.version,
                created_at: org.created_at,
                updated_at: org.updated_at,
            }
        })
        .collect())
}
