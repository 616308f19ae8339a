//! An organizations file's row written through the org services: the unit
//! holding the row's code is updated (and moved when its parent differs),
//! anyone else is created under its parent, so history and audit are those
//! of `POST /organizations` and `PATCH /organizations/{id}`.

use serde_json::{Map, Value};

use super::service::{missing, Outcome};
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::ids::OrganizationId;
use crate::org::model::{CreateOrganization, Organization, UpdateOrganization};

/// The fields a row sets on a unit as `POST /organizations` names them.
const SET: [&str; 5] = ["name", "abbreviation", "type", "level", "group"];

/// Writes the row; a row naming no parent goes under the importing unit.
pub(super) fn write(
    ctx: &mut Ctx,
    importing: OrganizationId,
    fields: Map<String, Value>,
) -> AppResult<Outcome> {
    let code = fields
        .get("code")
        .and_then(Value::as_str)
        .ok_or_else(|| AppError::invalid("code", "is required: it names the unit"))?
        .to_owned();
    let parent = match fields.get("parent_code").and_then(Value::as_str) {
        Some(id) => id
            .parse::<uuid::Uuid>()
            .map(OrganizationId::from)
            .map_err(|_| AppError::Internal(format!("a unit's id {id}")))?,
        None => importing,
    };
    let since = fields.get("effective_date").cloned();
    let mut set: Map<String, Value> = fields
        .into_iter()
        .filter(|(f, _)| SET.contains(&f.as_str()))
        .collect();
    match crate::org::repo::find_by_code(ctx.conn, &code)? {
        Some(unit) => update(ctx, unit, set, (parent, since)),
        None => {
            let above = crate::org::service::live(ctx, parent, "parent_code")?;
            set.entry("group").or_insert(above.org_group.into());
            set.insert("code".into(), code.into());
            set.insert("parent_id".into(), parent.to_string().into());
            if let Some(since) = since {
                set.insert("established_on".into(), since);
            }
            let input: CreateOrganization =
                serde_json::from_value(Value::Object(set)).map_err(missing)?;
            crate::org::service::create(ctx, input)?;
            Ok(Outcome::Created)
        }
    }
}

/// The unit's named fields changed, and it moved under `parent` from the
/// effective date when it sits elsewhere; a unit outside the caller's
/// subtree is refused by the service.
fn update(
    ctx: &mut Ctx,
    unit: Organization,
    mut set: Map<String, Value>,
    (parent, since): (OrganizationId, Option<Value>),
) -> AppResult<Outcome> {
    if !ctx.scope.can_read(&unit.path) {
        return Err(AppError::invalid(
            "code",
            "is the code of a unit outside your subtree",
        ));
    }
    if unit.parent_id != Some(parent) {
        set.insert("parent_id".into(), parent.to_string().into());
        if let Some(since) = since {
            set.insert("moved_on".into(), since);
        }
    }
    let patch: UpdateOrganization = serde_json::from_value(Value::Object(set))
        .map_err(|e| AppError::invalid("row", e.to_string()))?;
    crate::org::service::update(ctx, unit.id, unit.version, patch)?;
    Ok(Outcome::Updated)
}
