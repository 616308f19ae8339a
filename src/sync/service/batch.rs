//! A batch's common events decided together (decision 0037): people ODB
//! does not hold yet (`official.upserted`) and changes in part
//! (`official.changed`). Each is decided by the same rules, in the same
//! order, as on its own (`decide`): the version rule, the sync's group 2
//! rule, the officials services' own checks (`prepare_create`,
//! `prepare_patch`), one person one profile. What changes is where the
//! rules read from and how the result is written: what they read is
//! loaded once for the batch (`Ctx::reference`, the entities and profiles
//! locked in key order), and what they decide is written with one
//! statement per kind of row, the events stored in the same savepoint as
//! their effect. Should a write trip a constraint (another transaction
//! took a personal identification code meanwhile), the savepoint is
//! rolled back and these events are decided one at a time instead, so
//! each outcome stays the one it would have had alone.

use std::collections::HashMap;

use diesel::result::Error as DieselError;

use super::{apply, arriving, is_stale, problem_of, result, savepoint};
use crate::catalogs;
use crate::context::Ctx;
use crate::crypto::Sealer;
use crate::error::{AppError, AppResult};
use crate::ids::{OfficialId, OrganizationId};
use crate::officials::codec::{self, Keys};
use crate::officials::input::Patch;
use crate::officials::model::{Profile, ProfileData, RecordKind, RecordRow};
use crate::officials::repo::{self as profiles, Placement};
use crate::officials::service::{self as officials, Followed, Prepared};
use crate::sync::model::{Event, EventResult, EventType, Outcome, SyncCaller};
use crate::sync::repo::{self, Advance, KeyedEntity};

/// An event with its place in the batch.
pub(super) type Placed<'e> = (usize, &'e Event);

/// What becomes of an event decided with the others.
enum Plan {
    Stale(Option<OfficialId>),
    Rejected(AppError),
    /// A create whose personal identification code's holder (its indexes
    /// given) is still to be looked up.
    Create(Box<ProfileData>, Vec<Vec<u8>>),
    Apply(Box<Applying>),
    /// Decided on its own after the others: it updates a profile in full.
    Alone,
}

struct Applying {
    official: OfficialId,
    created: bool,
    /// The salary records it closes and opens.
    salary: Followed,
    prepared: Prepared,
}

/// Decides and stores the events of `fresh` (in sequence order, none
/// stored yet) that can be decided together, filling their `results`;
/// returns the others, in sequence order, to be decided one at a time.
pub(super) fn receive<'e>(
    ctx: &mut Ctx,
    who: (&SyncCaller, &Sealer),
    fresh: Vec<Placed<'e>>,
    results: &mut [Option<EventResult>],
) -> AppResult<Vec<Placed<'e>>> {
    // an organization event may change what the others are checked against
    if fresh.iter().any(|(_, e)| e.event_type.is_organization()) {
        return Ok(fresh);
    }
    let (together, mut alone) = split(fresh);
    if together.is_empty() {
        return Ok(alone);
    }
    let plans = plan(ctx, who.0, &together)?;
    match savepoint(ctx, |ctx| store(ctx, who, &together, plans)) {
        Ok((decided, left)) => {
            for result in decided {
                let index = result.index;
                results[index] = Some(result);
            }
            alone.extend(left);
        }
        Err(AppError::Database(DieselError::DatabaseError(..))) => alone.extend(together),
        Err(error) => return Err(error),
    }
    alone.sort_by_key(|(index, event)| (event.sequence, *index));
    Ok(alone)
}

/// Events decided together: the common types, each the only event of the
/// batch about its entity and about its personal identification code (so
/// the order between them cannot matter), and no change in part of the
/// code itself.
fn split<'e>(fresh: Vec<Placed<'e>>) -> (Vec<Placed<'e>>, Vec<Placed<'e>>) {
    let mut keys: HashMap<&str, usize> = HashMap::new();
    let mut codes: HashMap<&str, usize> = HashMap::new();
    for (_, event) in &fresh {
        *keys.entry(event.entity.moha_id.as_str()).or_default() += 1;
        let keyed = event.entity.personal_identification_code.as_deref();
        let stated = event.data["personal_identification_code"].as_str();
        let named = [keyed, stated.filter(|code| Some(*code) != keyed)];
        for code in named.into_iter().flatten() {
            *codes.entry(code).or_default() += 1;
        }
    }
    fresh.into_iter().partition(|(_, event)| {
        let once = keys[event.entity.moha_id.as_str()] == 1
            && event
                .entity
                .personal_identification_code
                .as_deref()
                .is_some_and(|code| codes[code] == 1);
        once && match event.event_type {
            EventType::OfficialUpserted => true,
            EventType::OfficialChanged => event.data.get("personal_identification_code").is_none(),
            _ => false,
        }
    })
}

/// The events' decisions, from what the batch reads in a few statements.
fn plan(ctx: &mut Ctx, client: &SyncCaller, together: &[Placed]) -> AppResult<Vec<Plan>> {
    let mut keys: Vec<&str> = together
        .iter()
        .map(|(_, e)| e.entity.moha_id.as_str())
        .collect();
    keys.sort_unstable();
    let entities: HashMap<String, KeyedEntity> =
        repo::lock_entities(ctx.conn, client.source, &keys, ctx.now)?
            .into_iter()
            .map(|entity| (entity.entity_key.clone(), entity))
            .collect();
    let linked: Vec<OfficialId> = entities.values().filter_map(|e| e.official_id).collect();
    let profiles: HashMap<OfficialId, Profile> = profiles::all_for_update(ctx.conn, &linked)?
        .into_iter()
        .map(|profile| (profile.id, profile))
        .collect();
    let placements: HashMap<OfficialId, Placement> = profiles::placements(ctx.conn, &linked)?
        .into_iter()
        .map(|placement| (placement.id, placement))
        .collect();
    let mut salaries: HashMap<OfficialId, Vec<RecordRow>> = HashMap::new();
    for record in profiles::open_records_of(ctx.conn, &linked, RecordKind::Salary)? {
        salaries.entry(record.official_id).or_default().push(record);
    }
    load_reference(ctx, together, profiles.values())?;
    let keyring = ctx.keyring;
    let keys = Keys::new(keyring, ctx.conn)?;
    let mut plans = Vec::with_capacity(together.len());
    for (_, event) in together {
        let entity = entities
            .get(&event.entity.moha_id)
            .ok_or_else(|| AppError::Internal("an entity the batch locked is gone".into()))?;
        let held = Held {
            profiles: &profiles,
            placements: &placements,
            salaries: &salaries,
        };
        let looked = first_look(ctx, &keys, event, entity, held);
        plans.push(decided(looked)?);
    }
    let wanted: Vec<Vec<u8>> = plans.iter().flat_map(indexes).cloned().collect();
    let mut holders = profiles::holders_of_personal_indexes(ctx.conn, &wanted)?.into_iter();
    plans
        .into_iter()
        .map(|plan| {
            let held: Vec<Option<OfficialId>> =
                holders.by_ref().take(indexes(&plan).len()).collect();
            decided(second_look(ctx, &keys, plan, &held))
        })
        .collect()
}

/// An error of the event's own makes it rejected; a server fault fails the
/// batch, as it does one event at a time.
fn decided(looked: AppResult<Plan>) -> AppResult<Plan> {
    match looked {
        Err(error) if error.is_server_fault() => Err(error),
        Err(error) => Ok(Plan::Rejected(error)),
        plan => plan,
    }
}

/// The personal identification code's indexes whose holders a plan needs.
fn indexes(plan: &Plan) -> &[Vec<u8>] {
    match plan {
        Plan::Create(_, indexes) => indexes,
        Plan::Apply(applying) if applying.prepared.profile.is_some() => &applying.prepared.indexes,
        _ => &[],
    }
}

/// Catalogs, the organizations the events and profiles name (by id or by
/// code), the live blind-index keys: one statement each for the batch.
fn load_reference<'p>(
    ctx: &mut Ctx,
    together: &[Placed],
    profiles: impl Iterator<Item = &'p Profile>,
) -> AppResult<()> {
    let mut ids: Vec<OrganizationId> = Vec::new();
    let mut codes: Vec<String> = Vec::new();
    for (_, event) in together {
        for (code_field, id_field) in apply::BY_CODE {
            if let Some(code) = event.data[code_field].as_str() {
                codes.push(code.to_owned());
            }
            if let Some(id) = event.data[id_field].as_str().and_then(|id| id.parse().ok()) {
                ids.push(id);
            }
        }
    }
    for profile in profiles {
        ids.extend([
            profile.managing_organization_id,
            profile.using_organization_id,
        ]);
    }
    ids.sort_unstable();
    ids.dedup();
    let found = repo::units(ctx.conn, &ids, &codes)?;
    ctx.reference.keep_codes(&codes, found.clone());
    ctx.reference.keep_units(&ids, found);
    let entries = catalogs::everything(ctx.conn)?;
    ctx.reference.keep_catalog(entries);
    let versions = ctx.keyring.live_blind_versions(ctx.conn)?;
    ctx.reference.keep_blind_versions(versions);
    Ok(())
}

/// The profiles the batch's changes are about, locked, with their
/// placements and open salary records.
struct Held<'a> {
    profiles: &'a HashMap<OfficialId, Profile>,
    placements: &'a HashMap<OfficialId, Placement>,
    salaries: &'a HashMap<OfficialId, Vec<RecordRow>>,
}

/// As `decide` and `apply::effect` decide it, up to the holder of a new
/// profile's personal identification code.
fn first_look(
    ctx: &mut Ctx,
    keys: &Keys<'_>,
    event: &Event,
    entity: &KeyedEntity,
    held: Held,
) -> AppResult<Plan> {
    if is_stale(event, entity.version)? {
        return Ok(Plan::Stale(entity.official_id));
    }
    if event.event_type == EventType::OfficialUpserted {
        if entity.official_id.is_some() {
            return Ok(Plan::Alone);
        }
        let profile = apply::whole_profile(ctx, event)?;
        let indexes = codec::personal_code_indexes(ctx, &profile)?;
        return Ok(Plan::Create(Box::new(profile), indexes));
    }
    let id = apply::known(entity.official_id)?;
    let patch: Patch = apply::data(ctx, event)?;
    apply::group_2(ctx, &apply::patched_organizations(&patch))?;
    let placement = held.placements.get(&id);
    apply::managed_in_group_2(placement.map(|p| p.org_group))?;
    let (Some(placement), Some(profile)) = (placement, held.profiles.get(&id)) else {
        return Err(AppError::NotFound { entity: "official" });
    };
    let placed = [
        placement.managing_path.clone(),
        placement.using_path.clone(),
    ];
    officials::changeable(ctx, placed)?;
    let mut prepared = officials::prepare_patch(ctx, keys, profile, patch)?;
    let salary = match prepared.profile.as_mut() {
        Some(rows) => {
            let open = held.salaries.get(&id).cloned().unwrap_or_default();
            officials::follow_salary(ctx, rows, &prepared.data, open)?
        }
        None => Followed::default(),
    };
    Ok(Plan::Apply(Box::new(Applying {
        official: id,
        created: false,
        salary,
        prepared,
    })))
}

/// The rest, once the holders of the codes (`held`, one per index) are known.
fn second_look(
    ctx: &mut Ctx,
    keys: &Keys<'_>,
    plan: Plan,
    held: &[Option<OfficialId>],
) -> AppResult<Plan> {
    match plan {
        // a profile holds the code: the upsert updates it in full
        Plan::Create(..) if held.iter().any(Option::is_some) => Ok(Plan::Alone),
        Plan::Create(profile, _) => {
            let mut prepared = officials::prepare_create(ctx, keys, *profile)?;
            let (Some(rows), data) = (prepared.profile.as_mut(), &prepared.data) else {
                return Err(AppError::Internal("a new profile has rows".into()));
            };
            let salary = officials::follow_salary(ctx, rows, data, Vec::new())?;
            Ok(Plan::Apply(Box::new(Applying {
                official: rows.id,
                created: true,
                salary,
                prepared,
            })))
        }
        Plan::Apply(applying) => {
            officials::one_person_one_profile(applying.official, held)?;
            Ok(Plan::Apply(applying))
        }
        plan => Ok(plan),
    }
}

/// What the batch's events wrote, gathered for one statement per kind of row.
#[derive(Default)]
struct Writes {
    profiles: Vec<Profile>,
    closed: Vec<RecordRow>,
    opened: Vec<RecordRow>,
    lines: Vec<crate::officials::model::NewChange>,
    audit: Vec<crate::audit::AuditEvent>,
}

/// Writes every decision: the profiles, their history lines, the events,
/// the entities and the audit entries, one statement for each. Returns the
/// results and the events left to be decided alone.
fn store<'e>(
    ctx: &mut Ctx,
    (client, sealer): (&SyncCaller, &Sealer),
    together: &[Placed<'e>],
    plans: Vec<Plan>,
) -> AppResult<(Vec<EventResult>, Vec<Placed<'e>>)> {
    let mut writes = Writes::default();
    let (mut rows, mut results, mut advances, mut alone) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (&(index, event), plan) in together.iter().zip(plans) {
        let mut row = arriving(ctx, sealer, client, event)?;
        match plan {
            Plan::Alone | Plan::Create(..) => {
                alone.push((index, event));
                continue;
            }
            Plan::Stale(official) => {
                row.outcome = Outcome::Stale;
                row.official_id = official;
            }
            Plan::Rejected(error) => row.problem = Some(problem_of(&error)),
            Plan::Apply(applying) => {
                row.outcome = Outcome::Applied;
                row.official_id = Some(applying.official);
                advances.push(Advance {
                    source: client.source,
                    key: &event.entity.moha_id,
                    version: event.version,
                    official: Some(applying.official),
                    organization: None,
                    event: event.event_id,
                });
                written(ctx, &mut writes, *applying);
            }
        }
        results.push(EventResult {
            official_id: row.official_id,
            problem: row.problem.clone(),
            ..result(index, event.event_id, row.outcome)
        });
        rows.push(row);
    }
    profiles::write_all(ctx.conn, &writes.profiles)?;
    profiles::close_records(ctx.conn, &writes.closed)?;
    profiles::insert_records(ctx.conn, &writes.opened)?;
    profiles::insert_changes(ctx.conn, &writes.lines)?;
    if !rows.is_empty() {
        repo::insert_events(ctx.conn, &rows)?;
    }
    repo::advance_entities(ctx.conn, client.source, &advances, ctx.now)?;
    ctx.audit_all(writes.audit)?;
    Ok((results, alone))
}

/// What `officials::create` or `officials::update` writes besides the
/// event: the rows, the history line, the audit entry at the managing
/// organization.
fn written(ctx: &Ctx, writes: &mut Writes, applying: Applying) {
    let Applying {
        official,
        created,
        salary,
        prepared,
    } = applying;
    writes.closed.extend(salary.closed);
    writes.opened.extend(salary.opened);
    let (action, line, fields) = if created {
        ("official.create", Some("created"), Vec::new())
    } else {
        let line = prepared.profile.is_some().then_some("updated");
        ("official.update", line, prepared.fields)
    };
    if let Some(line) = line {
        let change = officials::change_line(ctx, official, line, fields.clone());
        writes.lines.push(change);
    }
    writes.audit.push(ctx.event(
        action,
        "official",
        Some(official.to_string()),
        Some(prepared.managing.path),
        fields,
    ));
    writes.profiles.extend(prepared.profile);
}
