//! Colleagues typed into a form by name: each of a comma-separated list is
//! a username or a full name (diacritics aside), found in the groupware's
//! directory within the user's units, so a trip's companions and a
//! meeting's invitees are typed as people say them.

use crate::context::Ctx;
use crate::error::{AppError, AppResult, FieldError};
use crate::groupware::people::model::{PeopleFilter, Person};
use crate::groupware::people::service as people;
use crate::ids::UserId;
use crate::pagination::Limit;
use crate::text::fold;

use super::i18n::Lang;

/// What one typed name came to.
pub enum Named {
    One(UserId),
    Nobody(String),
    Several(String, Vec<String>),
}

/// More names than a meeting or a trip takes are refused before any is
/// looked up (each is a query).
const MOST_NAMES: usize = 50;

/// Each name of `typed`, looked up.
pub fn look_up(ctx: &mut Ctx, typed: &str) -> AppResult<Vec<Named>> {
    let names: Vec<&str> = typed
        .split([',', ';'])
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .collect();
    if names.len() > MOST_NAMES {
        return Err(AppError::BadRequest(format!(
            "at most {MOST_NAMES} people at once"
        )));
    }
    names
        .into_iter()
        .map(|name| look_up_one(ctx, name))
        .collect()
}

fn look_up_one(ctx: &mut Ctx, name: &str) -> AppResult<Named> {
    let words = fold(name);
    let filter = PeopleFilter {
        words: words.clone(),
        limit: Limit(20),
        after: None,
    };
    let found = people::people(ctx, filter)?.items;
    if let Some(person) = found.iter().find(|p| p.username == name.to_lowercase()) {
        return Ok(Named::One(person.id));
    }
    let same: Vec<&Person> = found
        .iter()
        .filter(|p| fold(&p.display_name) == words)
        .collect();
    Ok(match same.as_slice() {
        [one] => Named::One(one.id),
        [] => Named::Nobody(name.to_owned()),
        several => Named::Several(
            name.to_owned(),
            several.iter().map(|p| p.username.clone()).collect(),
        ),
    })
}

/// The people found, or the field's error naming what was not.
pub fn chosen(lang: Lang, field: &str, named: Vec<Named>) -> Result<Vec<UserId>, FieldError> {
    let mut ids = Vec::new();
    for one in named {
        match one {
            Named::One(id) if !ids.contains(&id) => ids.push(id),
            Named::One(_) => {}
            Named::Nobody(name) => {
                return Err(FieldError::new(
                    field,
                    lang.t_with("people-nobody", &[("name", &name)]),
                ))
            }
            Named::Several(name, usernames) => {
                return Err(FieldError::new(
                    field,
                    lang.t_with(
                        "people-several",
                        &[("name", &name), ("usernames", &usernames.join(", "))],
                    ),
                ))
            }
        }
    }
    Ok(ids)
}

/// "Name (username)" of each of `ids`, for a page that lists them.
pub fn names(ctx: &mut Ctx, ids: &[UserId]) -> AppResult<Vec<String>> {
    Ok(people::named(ctx, ids)?
        .into_iter()
        .map(|p| format!("{} ({})", p.display_name, p.username))
        .collect())
}
