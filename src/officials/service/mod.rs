//! Rules for profiles: who may see and change them, what makes them valid,
//! one profile per person, histories, search and lookups. Every function
//! takes the request's `Ctx` and its typed input, and writes its own audit
//! entry, placed at the profile's managing organization so the auditors of
//! that subtree see it.

mod profile;
mod records;
mod rules;
mod salary;
mod search;

pub use profile::{
    create, get, holder_of, life_event, one_person_one_profile, prepare_create, prepare_patch,
    reveal, transfer, update, Prepared,
};
pub use records::{add_record, changes, list_records, reveal_records, update_record};
pub use salary::Followed;
pub use search::{lookup, search};

use super::codec;
use super::model::{NewChange, Profile, ProfileStatus};
use super::repo;
use super::view::OfficialView;
use crate::context::Ctx;
use crate::db::ltree::TreePath;
use crate::error::{AppError, AppResult};
use crate::ids::{OfficialId, OrganizationId};
use crate::party::view::ProfileMembership;

/// For a profile a batch writes (`open` its open salary records, the one
/// that began last first, none for a new one): the salary records `data`
/// makes it close and open, and `profile` following its history, as
/// `create` and `update` write them.
pub fn follow_salary(
    ctx: &mut Ctx,
    profile: &mut Profile,
    data: &crate::officials::model::ProfileData,
    open: Vec<crate::officials::model::RecordRow>,
) -> AppResult<Followed> {
    Ok(salary::follow(ctx, profile, data, open)?.0)
}

/// An organization as profiles see it: its name and its place in the tree.
pub struct Unit {
    pub id: OrganizationId,
    pub name: String,
    pub path: TreePath,
}

/// The organization, as far as row-level security lets this request see it
/// (from what a batch loaded, when it did). The one place this module
/// reads the organization tree.
fn unit(ctx: &mut Ctx, id: OrganizationId) -> AppResult<Option<Unit>> {
    let found = match ctx.reference.unit(id) {
        Some(loaded) => loaded.cloned(),
        None => crate::org::repo::find(ctx.conn, id)?,
    };
    Ok(found.map(|o| Unit {
        id,
        name: o.name,
        path: o.path,
    }))
}

fn not_found() -> AppError {
    AppError::NotFound { entity: "official" }
}

/// What an audit entry is about: a profile, placed at its managing
/// organization (when the caller may see it).
struct Subject {
    id: OfficialId,
    managing: Option<TreePath>,
}

impl Subject {
    /// Appends the entry: call it last, once the change is made.
    fn audit(self, ctx: &mut Ctx, action: &str, fields: Vec<String>) -> AppResult<()> {
        let event = ctx.event(
            action,
            "official",
            Some(self.id.to_string()),
            self.managing,
            fields,
        );
        ctx.audit(&event)
    }
}

/// A profile as this request found it, with the path of its managing
/// organization.
struct Found {
    profile: Profile,
    managing: Option<TreePath>,
    /// The linked party member as row-level security shows them, read with
    /// the profile.
    member: Option<ProfileMembership>,
}

impl Found {
    fn subject(&self) -> Subject {
        Subject {
            id: self.profile.id,
            managing: self.managing.clone(),
        }
    }
}

/// The profile, if the caller may read its managing or its using
/// organization. The row carries both organizations' paths (kept by the
/// database): one statement, not three.
fn readable(ctx: &mut Ctx, id: OfficialId) -> AppResult<Found> {
    let (profile, placed, member) = repo::find_placed(ctx.conn, id)?.ok_or_else(not_found)?;
    let managing = seen_managing(ctx, placed)?;
    Ok(Found {
        profile,
        managing,
        member,
    })
}

/// Not found unless the caller may read a profile's managing or its using
/// organization (`placed`); the managing one's path when it may read that.
fn seen_managing(ctx: &Ctx, [managing, using]: [TreePath; 2]) -> AppResult<Option<TreePath>> {
    if !(ctx.scope.can_read(&managing) || ctx.scope.can_read(&using)) {
        return Err(not_found());
    }
    Ok(ctx.scope.can_read(&managing).then_some(managing))
}

/// The path of the managing organization of a profile `placed` there (and
/// used in the second), when the caller may change it: what `update` and
/// `transfer` check, for a batch that read and locked many profiles at once.
pub fn changeable(ctx: &Ctx, placed: [TreePath; 2]) -> AppResult<TreePath> {
    let managing = seen_managing(ctx, placed)?;
    managed_by_caller(ctx, managing, CHANGE_NEEDS)
}

const CHANGE_NEEDS: &str = "you may read but not change this profile (it is managed elsewhere)";

const REVEAL_NEEDS: &str =
    "revealing sealed items needs the personnel_editor role over the managing organization";

/// The path of the managing organization, when the caller may write it.
/// The caller already reads the profile (through either organization), so
/// a refusal is 403 naming what it `needs`, not 404: the profile's
/// existence is no secret to them, whether or not they see where it is
/// managed.
fn managed_by_caller(ctx: &Ctx, managing: Option<TreePath>, needs: &str) -> AppResult<TreePath> {
    managing
        .filter(|path| ctx.scope.can_write(path))
        .ok_or_else(|| AppError::Forbidden(needs.into()))
}

/// The profile locked for change, if the caller may write its managing
/// organization.
fn editable(ctx: &mut Ctx, id: OfficialId) -> AppResult<Found> {
    let seen = readable(ctx, id)?;
    let managing = managed_by_caller(ctx, seen.managing, CHANGE_NEEDS)?;
    let profile = repo::find_for_update(ctx.conn, id)?.ok_or_else(not_found)?;
    // moved meanwhile by another transaction: where it is managed now
    let managing = if profile.managing_organization_id == seen.profile.managing_organization_id {
        managing
    } else {
        let now = unit(ctx, profile.managing_organization_id)?.map(|u| u.path);
        managed_by_caller(ctx, now, CHANGE_NEEDS)?
    };
    Ok(Found {
        profile,
        managing: Some(managing),
        member: seen.member,
    })
}

/// The profile, for a reveal of its sealed items: `ctx.scope` is the
/// caller's EditPersonnel scope, whose write roots are its personnel_editor
/// (and system_admin) grants, so those who may change the items may see
/// them. The caller has proved a second factor recently (checked where the
/// request arrives).
fn revealable(ctx: &mut Ctx, id: OfficialId) -> AppResult<Found> {
    let found = readable(ctx, id)?;
    managed_by_caller(ctx, found.managing.clone(), REVEAL_NEEDS)?;
    Ok(found)
}

/// 412 unless the client changes the version it read.
fn check_version(expected: i32, current: i32) -> AppResult<()> {
    if expected == current {
        Ok(())
    } else {
        Err(AppError::StaleVersion { expected, current })
    }
}

/// Retired, deceased and archived profiles are history: no more edits.
fn still_active(profile: &Profile) -> AppResult<()> {
    if profile.status == ProfileStatus::Active {
        Ok(())
    } else {
        Err(AppError::conflict(
            "profile-closed",
            format!("the profile is {}; its data is history", profile.status),
        ))
    }
}

/// The profile as the API shows it, its data opened; its party items only to
/// party grant holders and personnel editors, the linked member only when
/// row-level security shows it (a party grant covering it).
fn view(ctx: &mut Ctx, profile: &Profile, revealed: bool) -> AppResult<OfficialView> {
    let member = if ctx.sees_party_data() {
        crate::party::service::profile_membership(ctx, profile.id)?
    } else {
        None
    };
    view_with(ctx, profile, revealed, member)
}

/// `view`, with the linked member already read with the profile.
fn view_with(
    ctx: &mut Ctx,
    profile: &Profile,
    revealed: bool,
    member: Option<ProfileMembership>,
) -> AppResult<OfficialView> {
    let data = codec::to_data(ctx.keyring, ctx.conn, profile)?;
    let view = OfficialView::new(profile, data, revealed);
    if !ctx.sees_party_data() {
        return Ok(view.without_party_data());
    }
    Ok(OfficialView {
        party: member,
        ..view
    })
}

/// A line of the profile's own change history.
fn record_change(
    ctx: &mut Ctx,
    official: OfficialId,
    action: &str,
    fields: Vec<String>,
) -> AppResult<()> {
    let change = change_line(ctx, official, action, fields);
    Ok(repo::insert_change(ctx.conn, &change)?)
}

/// The history line `record_change` writes, for a batch writing many.
pub fn change_line(
    ctx: &Ctx,
    official: OfficialId,
    action: &str,
    fields: Vec<String>,
) -> NewChange {
    NewChange {
        official_id: official,
        at: ctx.now,
        actor_id: ctx.actor.id,
        actor: Some(ctx.actor.name.clone()),
        action: action.to_owned(),
        fields,
    }
}
