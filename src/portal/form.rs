//! Forms over the API's bodies (docs/decisions/0025). Each form is a list
//! of inputs; what was typed is read into the JSON body the API takes
//! (dates typed dd/mm/yyyy), deserialized into the same input type and
//! handed to the same service. A value the service refuses comes back
//! beside its field, in the user's words.

use actix_web::http::StatusCode;
use chrono::NaiveDate;
use maud::{html, Markup};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::{AppError, AppResult, FieldError};
use crate::portal::browser::{FormData, SignedIn};
use crate::portal::error::PortalError;
use crate::portal::format;
use crate::portal::i18n::Lang;
use crate::portal::page::{self, Field, Kind};

/// What an input takes.
#[derive(Debug, Clone, Copy)]
pub enum Input {
    Text,
    /// Text of several lines.
    LongText,
    Date,
    /// A whole number (a JSON number).
    Integer,
    /// Yes or no (a JSON boolean).
    YesNo,
    /// One of these words, each named by the message `{prefix}-{word}`.
    Choice(&'static [&'static str], &'static str),
}

/// One input of a form, named as the API's body names it.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub name: &'static str,
    pub input: Input,
    pub required: bool,
}

pub const fn text(name: &'static str) -> Spec {
    Spec {
        name,
        input: Input::Text,
        required: true,
    }
}

pub const fn long_text(name: &'static str) -> Spec {
    Spec {
        name,
        input: Input::LongText,
        required: true,
    }
}

pub const fn date(name: &'static str) -> Spec {
    Spec {
        name,
        input: Input::Date,
        required: true,
    }
}

pub const fn integer(name: &'static str) -> Spec {
    Spec {
        name,
        input: Input::Integer,
        required: true,
    }
}

pub const fn yes_no(name: &'static str) -> Spec {
    Spec {
        name,
        input: Input::YesNo,
        required: true,
    }
}

/// One of `words`, each shown as the message `{prefix}-{word}`.
pub const fn choice(
    name: &'static str,
    words: &'static [&'static str],
    prefix: &'static str,
) -> Spec {
    Spec {
        name,
        input: Input::Choice(words, prefix),
        required: true,
    }
}

pub const fn optional(spec: Spec) -> Spec {
    Spec {
        required: false,
        ..spec
    }
}

/// The label of an input: `party-field-decision-number` for the input
/// `decision_number` of a form whose words are `party-field`.
pub fn label_key(words: &str, name: &str) -> String {
    format!("{words}-{}", name.replace('_', "-"))
}

/// The typed values as the API's JSON fields, or the inputs that could not
/// be read (missing, not a date, not one of the choices).
pub fn read(
    lang: Lang,
    specs: &[Spec],
    form: &FormData,
) -> Result<Map<String, Value>, Vec<FieldError>> {
    let mut values = Map::new();
    let mut errors = Vec::new();
    for spec in specs {
        let Some(typed) = form.get(spec.name) else {
            if spec.required {
                errors.push(FieldError::new(spec.name, lang.t("rule-required")));
            }
            continue;
        };
        let value = match spec.input {
            Input::Text | Input::LongText => Ok(Value::String(typed.to_owned())),
            Input::Date => match format::parse_date(typed) {
                Ok(Some(day)) => Ok(Value::String(day.to_string())),
                _ => Err(lang.t("invalid-date")),
            },
            Input::Integer => typed
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| lang.t("invalid-integer")),
            Input::YesNo => match typed {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err(lang.t("rule-choose")),
            },
            Input::Choice(words, _) if words.contains(&typed) => {
                Ok(Value::String(typed.to_owned()))
            }
            Input::Choice(..) => Err(lang.t("rule-choose")),
        };
        match value {
            Ok(value) => {
                values.insert(spec.name.to_owned(), value);
            }
            Err(message) => errors.push(FieldError::new(spec.name, message)),
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(errors)
    }
}

/// The version a form was made from (the API's `If-Match`).
pub fn version(user: &SignedIn, form: &FormData) -> Result<i32, PortalError> {
    form.get("version")
        .and_then(|v| v.parse::<i32>().ok())
        .ok_or_else(|| user.fail(AppError::PreconditionRequired))
}

/// The values as the API's input type (the inputs were checked by `read`).
pub fn body<T: DeserializeOwned>(values: Map<String, Value>) -> AppResult<T> {
    serde_json::from_value(Value::Object(values)).map_err(|e| AppError::BadRequest(e.to_string()))
}

/// The services' field rules in the user's words: (part of the service's
/// message, message key). The first that matches names the rule.
const RULES: [(&str, &str); 23] = [
    ("must not be after today", "rule-not-after-today"),
    ("when the current period began", "rule-after-current-period"),
    ("12 months after admitted_on", "rule-probation"),
    ("no active cell has this code", "rule-no-such-cell"),
    ("the member's own cell", "rule-own-cell"),
    ("the member's home cell", "rule-own-cell"),
    ("must be after from_on", "rule-after-from"),
    ("must be after starts_at", "rule-ends-after-starts"),
    ("after the attendance began", "rule-after-attendance"),
    (
        "must not be before admitted_on",
        "rule-not-before-admission",
    ),
    ("after the exemption began", "rule-after-exemption"),
    ("must not be before issued_on", "rule-not-before-issue"),
    ("no such party organization", "rule-no-such-unit"),
    ("must be an active cell", "rule-active-cell"),
    ("did not exist on that date", "rule-cell-not-then"),
    ("18 or older", "rule-adult"),
    ("9 or 12 digits", "rule-identity-number"),
    ("12 digits", "rule-personal-code"),
    ("6 to 20 letters or digits", "rule-card-number"),
    ("lower-case letters, digits", "rule-username"),
    ("no such organization", "rule-no-such-organization"),
    ("in at least three different words", "rule-reason"),
    ("must not be before starts_on", "rule-not-before-start"),
];

/// A service's field error in the user's words (the date a period began is
/// carried over, shown dd/mm/yyyy).
pub fn translate(lang: Lang, error: FieldError) -> FieldError {
    let rule = RULES
        .iter()
        .find(|(fragment, _)| error.message.contains(fragment))
        .map(|(_, key)| *key);
    let message = match rule {
        Some("rule-after-current-period") => {
            let began = error
                .message
                .strip_prefix("must be after ")
                .and_then(|rest| rest.get(..10))
                .and_then(|d| d.parse::<NaiveDate>().ok())
                .map(format::date)
                .unwrap_or_default();
            lang.t_with("rule-after-current-period", &[("date", &began)])
        }
        Some(key) => lang.t(key),
        None if error.message == "length" => lang.t("rule-length"),
        None if error.message == "range" => lang.t("rule-range"),
        None => lang.t_with("invalid-value", &[("detail", &error.message)]),
    };
    FieldError::new(error.field, message)
}

/// A form as shown: its inputs with the values typed (or given) and the
/// errors beside them.
pub struct Shown<'a> {
    pub action: String,
    /// The prefix of the inputs' labels, e.g. `party-field`.
    pub words: &'static str,
    pub specs: &'a [Spec],
    pub values: Vec<String>,
    pub errors: Vec<FieldError>,
    /// Hidden fields: (name, value), e.g. the version the form changes.
    pub hidden: Vec<(&'static str, String)>,
    pub submit: String,
    pub cancel: Option<String>,
}

impl<'a> Shown<'a> {
    /// A blank form.
    pub fn blank(
        action: String,
        (words, specs): (&'static str, &'a [Spec]),
        submit: String,
    ) -> Self {
        Shown {
            action,
            words,
            values: vec![String::new(); specs.len()],
            specs,
            errors: Vec::new(),
            hidden: Vec::new(),
            submit,
            cancel: None,
        }
    }

    /// The form again as typed, with these errors beside their fields.
    pub fn again(mut self, form: &FormData, errors: Vec<FieldError>) -> Self {
        self.values = self
            .specs
            .iter()
            .map(|s| form.raw(s.name).to_owned())
            .collect();
        self.errors = errors;
        self
    }
}

fn kind(lang: Lang, spec: &Spec) -> Kind {
    match spec.input {
        Input::Text => Kind::Text,
        Input::LongText => Kind::LongText,
        Input::Date => Kind::Date,
        Input::Integer => Kind::Number,
        Input::YesNo => Kind::Select(vec![
            (String::new(), lang.t("choose-one")),
            ("true".into(), lang.t("choose-yes")),
            ("false".into(), lang.t("choose-no")),
        ]),
        Input::Choice(words, prefix) => {
            let mut options = vec![(String::new(), lang.t("choose-one"))];
            options.extend(
                words
                    .iter()
                    .map(|w| (w.to_string(), lang.t(&format!("{prefix}-{w}")))),
            );
            Kind::Select(options)
        }
    }
}

/// The errors at the form's top (each a link to its field), then the form.
pub fn render(user: &SignedIn, shown: &Shown) -> Markup {
    let lang = user.lang();
    html! {
        (summary(lang, shown))
        form.stack method="post" action=(shown.action) novalidate {
            (page::csrf(&user.csrf()))
            @for (name, value) in &shown.hidden {
                input type="hidden" name=(name) value=(value);
            }
            (fields(lang, shown))
            div.actions {
                button.button type="submit" { (shown.submit) }
                @if let Some(cancel) = &shown.cancel {
                    a href=(cancel) { (lang.t("cancel")) }
                }
            }
        }
    }
}

/// The errors of a form, each a link to its field.
pub fn summary(lang: Lang, shown: &Shown) -> Markup {
    let summary: Vec<(String, String)> = shown
        .errors
        .iter()
        .map(|e| {
            let label = lang.t(&label_key(shown.words, &e.field));
            (e.field.clone(), format!("{label}: {}", e.message))
        })
        .collect();
    page::error_summary(lang, &summary)
}

/// The form's inputs, each with its label, hint and error.
pub fn fields(lang: Lang, shown: &Shown) -> Markup {
    let fields: Vec<Field> = shown
        .specs
        .iter()
        .zip(&shown.values)
        .map(|(spec, value)| Field {
            error: shown
                .errors
                .iter()
                .find(|e| e.field == spec.name)
                .map(|e| e.message.clone()),
            required: spec.required,
            ..Field::new(
                spec.name,
                lang.t(&label_key(shown.words, spec.name)),
                value.clone(),
                kind(lang, spec),
            )
        })
        .collect();
    html! { @for field in &fields { (page::field(lang, field)) } }
}

/// How a form's page answers a service's refusal: the status, the errors
/// beside their fields, and what is said at the top.
pub type Refused = (StatusCode, Vec<FieldError>, Option<String>);

/// A service's refusal of a form (decision 0025): values beside their
/// fields (422), a newer version (412) or a conflict with its code's words
/// (409) at the top; anything else is the error's own page.
pub fn refusal(lang: Lang, error: AppError) -> Result<Refused, AppError> {
    match error {
        AppError::Validation(errors) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            errors.into_iter().map(|e| translate(lang, e)).collect(),
            None,
        )),
        AppError::StaleVersion { .. } => Ok((
            StatusCode::PRECONDITION_FAILED,
            Vec::new(),
            Some(lang.t("error-stale-detail")),
        )),
        AppError::Conflict { code, .. } => {
            let key = format!("conflict-{code}");
            let said = if lang.has(&key) {
                lang.t(&key)
            } else {
                lang.t("error-conflict-detail")
            };
            Ok((StatusCode::CONFLICT, Vec::new(), Some(said)))
        }
        other => Err(other),
    }
}

/// A refusal that is not about one field (a conflict, a stale version), at
/// the top of the form.
pub fn notice(message: &str) -> Markup {
    html! {
        div.error-summary role="alert" tabindex="-1" { p { (message) } }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn service_rules_are_said_in_the_users_words() {
        let said = translate(
            Lang::Vi,
            FieldError::new(
                "accepted_on",
                "must be after 2025-07-01, when the current period began",
            ),
        );
        assert_eq!(said.field, "accepted_on");
        assert!(said.message.contains("01/07/2025"), "{}", said.message);
        let said = translate(
            Lang::En,
            FieldError::new("identity_number", "9 or 12 digits"),
        );
        assert_eq!(said.message, Lang::En.t("rule-identity-number"));
        let unknown = translate(Lang::En, FieldError::new("x", "something new"));
        assert!(unknown.message.contains("something new"));
    }
}
