//! Rules for calendars: a unit's writers keep its calendar, each person
//! their own; invitees see the events they are invited to and answer;
//! recurring events are expanded in Vietnam's time with their excluded
//! dates; a calendar exports as iCalendar. Changes are audited.

use chrono::{DateTime, SubsecRound, Utc};
use serde_json::json;

use super::ics;
use super::input::{NewEvent, Window};
use super::model::{Answer, EventRow, EventView, InviteeRow, Occurrence};
use super::recurrence::{to_local, Rule};
use super::repo::{self, Calendar};
use crate::context::Ctx;
use crate::db::ltree::TreePath;
use crate::error::{AppError, AppResult};
use crate::groupware::access::{self, Access};
use crate::groupware::correspondence::repo as documents;
use crate::ids::{EventId, UserId};

const EVENT: AppError = AppError::NotFound { entity: "event" };

pub fn create(ctx: &mut Ctx, input: NewEvent) -> AppResult<EventView> {
    let (input, rule) = input.checked()?;
    let access = access::enter(ctx)?;
    let path = access::unit_path(ctx, input.organization_id)?;
    let owner = if input.personal {
        Some(
            access
                .user
                .ok_or_else(|| AppError::Forbidden("a personal calendar is a person's".into()))?,
        )
    } else {
        ctx.scope.require_write(&path, "this unit's calendar")?;
        None
    };
    let mut invited = input.invitee_ids.clone();
    invited.sort_by_key(|u| u.0);
    invited.dedup();
    if documents::existing_users(ctx.conn, &invited)? != invited.len() as i64 {
        return Err(AppError::invalid("invitee_ids", "names an unknown user"));
    }
    let now = stored_now(ctx);
    let row = EventRow {
        id: EventId::new_random(),
        version: 1,
        organization_id: input.organization_id,
        owner_id: owner,
        title: input.title.trim().to_owned(),
        location: input.location,
        description: input.description,
        starts_at: input.starts_at.trunc_subsecs(0),
        ends_at: input.ends_at.trunc_subsecs(0),
        recurrence: rule.map(|r| r.written()),
        exceptions: Vec::new(),
        created_at: now,
        created_by: ctx.actor.id,
        updated_at: now,
    };
    let invitees: Vec<InviteeRow> = invited
        .into_iter()
        .map(|user_id| InviteeRow {
            event_id: row.id,
            user_id,
            answer: Answer::NeedsAction,
            answered_at: None,
        })
        .collect();
    repo::insert(ctx.conn, &row, &invitees)?;
    audit(ctx, &row, "event.create", Some(path))?;
    Ok(EventView::new(row, invitees))
}

pub fn view(ctx: &mut Ctx, id: EventId) -> AppResult<EventView> {
    access::enter(ctx)?;
    let row = repo::find(ctx.conn, id, false)?.ok_or(EVENT)?;
    let invitees = repo::invitees(ctx.conn, &[id])?;
    Ok(EventView::new(row, invitees))
}

/// The occurrences in the window, in time order.
pub fn occurrences(ctx: &mut Ctx, window: Window) -> AppResult<Vec<Occurrence>> {
    let access = access::enter(ctx)?;
    let calendar = calendar_of(&access, window.calendar_id);
    let events = repo::in_window(ctx.conn, calendar, (window.from, window.until))?;
    let mut out: Vec<Occurrence> = events.iter().flat_map(|e| expand(e, window)).collect();
    out.sort_by_key(|o| (o.starts_at, o.event_id.0));
    Ok(out)
}

/// The caller's own answers to the events among `ids` they are invited to.
pub fn my_answers(ctx: &mut Ctx, ids: &[EventId]) -> AppResult<Vec<(EventId, Answer)>> {
    let access = access::enter(ctx)?;
    let Some(user) = access.user else {
        return Ok(Vec::new());
    };
    Ok(repo::invitees(ctx.conn, ids)?
        .into_iter()
        .filter(|i| i.user_id == user)
        .map(|i| (i.event_id, i.answer))
        .collect())
}

/// Leaves out one occurrence (the unit's writers, or the owner).
pub fn except(
    ctx: &mut Ctx,
    id: EventId,
    expected: i32,
    date: chrono::NaiveDate,
) -> AppResult<EventView> {
    access::enter(ctx)?;
    let mut row = repo::find(ctx.conn, id, true)?.ok_or(EVENT)?;
    let owns = row.owner_id.is_some() && row.owner_id == ctx.actor.id;
    let keeps = row.owner_id.is_none()
        && access::unit_path(ctx, row.organization_id).is_ok_and(|p| ctx.scope.can_write(&p));
    if !owns && !keeps {
        return Err(AppError::Forbidden(
            "only the calendar's keepers change an event".into(),
        ));
    }
    if row.version != expected {
        return Err(AppError::StaleVersion {
            expected,
            current: row.version,
        });
    }
    let Some(rule) = row.recurrence.as_deref().map(Rule::parse).transpose()? else {
        return Err(AppError::invalid("date", "the event does not recur"));
    };
    let horizon = row.starts_at + chrono::Duration::days(366 * 5);
    let takes_place = rule
        .starts(row.starts_at, &row.exceptions, horizon)
        .iter()
        .any(|s| to_local(*s).date() == date);
    if !takes_place {
        return Err(AppError::invalid(
            "date",
            "no occurrence of the event falls on that date",
        ));
    }
    row.exceptions.push(date);
    row.exceptions.sort();
    row.version += 1;
    row.updated_at = stored_now(ctx);
    repo::save_exceptions(ctx.conn, &row)?;
    let path = access::unit_path(ctx, row.organization_id).ok();
    audit(ctx, &row, "event.except", path)?;
    let invitees = repo::invitees(ctx.conn, &[id])?;
    Ok(EventView::new(row, invitees))
}

/// The caller's answer to an invitation.
pub fn answer(ctx: &mut Ctx, id: EventId, answer: Answer) -> AppResult<EventView> {
    let access = access::enter(ctx)?;
    let row = repo::find(ctx.conn, id, false)?.ok_or(EVENT)?;
    let user = access.user.ok_or(EVENT)?;
    let invitee = InviteeRow {
        event_id: id,
        user_id: user,
        answer,
        answered_at: (answer != Answer::NeedsAction).then(|| stored_now(ctx)),
    };
    if !repo::answer(ctx.conn, &invitee)? {
        return Err(AppError::Forbidden("only an invitee answers".into()));
    }
    let mut event = ctx.event(
        "event.answer",
        "event",
        Some(id.to_string()),
        None,
        Vec::new(),
    );
    event.details = json!({"answer": answer});
    ctx.audit(&event)?;
    let invitees = repo::invitees(ctx.conn, &[id])?;
    Ok(EventView::new(row, invitees))
}

/// A calendar as iCalendar: a unit's (its id) or the caller's own (their id).
pub fn export(ctx: &mut Ctx, calendar_id: uuid::Uuid) -> AppResult<String> {
    let access = access::enter(ctx)?;
    let (calendar, name) = match calendar_of(&access, Some(calendar_id)) {
        Calendar::Person(user) => (Calendar::Person(user), format!("ODB — {}", ctx.actor.name)),
        _ => {
            let unit = crate::ids::OrganizationId(calendar_id);
            access::unit_path(ctx, unit).map_err(|_| AppError::NotFound { entity: "calendar" })?;
            (Calendar::Unit(unit), "ODB — lịch đơn vị".to_owned())
        }
    };
    let far = (
        ctx.now - chrono::Duration::days(366),
        ctx.now + chrono::Duration::days(366 * 2),
    );
    let events = repo::in_window(ctx.conn, calendar, far)?;
    let ids: Vec<EventId> = events.iter().map(|e| e.id).collect();
    let invitees = repo::invitees(ctx.conn, &ids)?;
    let with: Vec<(EventRow, Vec<InviteeRow>)> = events
        .into_iter()
        .map(|e| {
            let own = invitees
                .iter()
                .filter(|i| i.event_id == e.id)
                .cloned()
                .collect();
            (e, own)
        })
        .collect();
    Ok(ics::calendar(&name, &with, ctx.now))
}

/// The caller's own id names their personal calendar; any other, a unit's.
fn calendar_of(access: &Access, id: Option<uuid::Uuid>) -> Calendar {
    match (id, access.user) {
        (None, _) => Calendar::Everything,
        (Some(id), Some(user)) if user.0 == id => Calendar::Person(UserId(id)),
        (Some(id), _) => Calendar::Unit(crate::ids::OrganizationId(id)),
    }
}

fn expand(event: &EventRow, window: Window) -> Vec<Occurrence> {
    let length = event.ends_at - event.starts_at;
    let starts = match event.recurrence.as_deref().map(Rule::parse) {
        Some(Ok(rule)) => rule.starts(event.starts_at, &event.exceptions, window.until),
        _ => vec![event.starts_at],
    };
    starts
        .into_iter()
        .filter(|s| *s + length > window.from && *s < window.until)
        .map(|starts_at| Occurrence {
            event_id: event.id,
            title: event.title.clone(),
            location: event.location.clone(),
            starts_at,
            ends_at: starts_at + length,
            recurring: event.recurrence.is_some(),
            organization_id: event.organization_id,
            owner_id: event.owner_id,
        })
        .collect()
}

fn stored_now(ctx: &Ctx) -> DateTime<Utc> {
    ctx.now.trunc_subsecs(6)
}

/// Entries of personal events are placed nowhere in the tree.
fn audit(ctx: &mut Ctx, row: &EventRow, action: &str, path: Option<TreePath>) -> AppResult<()> {
    let place = path.filter(|_| row.owner_id.is_none());
    let event = ctx.event(action, "event", Some(row.id.to_string()), place, Vec::new());
    ctx.audit(&event)
}
