//! The JSON body extractor: content type checked, size limited by
//! `PayloadConfig`, and a failure names the exact field (`parts[1].target_id`).

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{error, web, FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::problem::Problem;
use crate::error::FieldError;

pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = error::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let is_json = sent_as_json(req);
        let body = web::Bytes::from_request(req, payload);
        Box::pin(async move { read(is_json, &body.await?).map(Json) })
    }
}

/// Whether the body was sent as `application/json` (or `+json`).
pub fn sent_as_json(req: &HttpRequest) -> bool {
    req.mime_type().ok().flatten().is_some_and(|mime| {
        mime.type_() == "application"
            && (mime.subtype() == "json" || mime.suffix().is_some_and(|s| s == "json"))
    })
}

/// A body already read (a signed request's, whose bytes the signature
/// covers), refused as the `Json` extractor refuses one.
pub fn read<T: DeserializeOwned>(is_json: bool, bytes: &[u8]) -> Result<T, error::Error> {
    if !is_json {
        return Err(reject(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "the request body must be sent as Content-Type: application/json",
        )));
    }
    parse(bytes).map_err(|problem| reject(*problem))
}

fn reject(problem: Problem) -> error::Error {
    let status = problem.status;
    error::InternalError::from_response(format!("rejected body ({status})"), problem.response())
        .into()
}

fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Box<Problem>> {
    let mut value: Value = serde_json::from_slice(bytes).map_err(|e| {
        Box::new(Problem::new(
            StatusCode::BAD_REQUEST,
            "malformed-body",
            format!("the request body is not valid JSON: {e}"),
        ))
    })?;
    if let Some(path) = nul_in(&value, String::new()) {
        return Err(invalid(
            path,
            "must not contain the NUL character".to_owned(),
        ));
    }
    whole_numbers_as_integers(&mut value);
    serde_path_to_error::deserialize(value).map_err(|e| {
        let message = e.inner().to_string();
        invalid(field_path(&e.path().to_string(), &message), message)
    })
}

fn invalid(field: String, message: String) -> Box<Problem> {
    let mut problem = Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation",
        format!("invalid value for: {field}"),
    );
    problem.errors = vec![FieldError::new(field, message)];
    Box::new(problem)
}

/// serde reports a missing field at its parent; name the field itself.
fn field_path(path: &str, message: &str) -> String {
    let named = message
        .starts_with("missing field")
        .then(|| message.split('`').nth(1))
        .flatten();
    match (path, named) {
        (".", Some(name)) => name.to_owned(),
        (".", None) => "$".to_owned(),
        (parent, Some(name)) => format!("{parent}.{name}"),
        (path, None) => path.to_owned(),
    }
}

/// JSON Schema, and so the API's contract, counts `40.0` an integer: such
/// numbers are made integers before the typed fields see them.
fn whole_numbers_as_integers(value: &mut Value) {
    /// Beyond 2^53 a float no longer holds every integer exactly.
    const EXACT: f64 = 9_007_199_254_740_992.0;
    match value {
        Value::Number(number) => {
            if let Some(float) = number.as_f64().filter(|_| number.is_f64()) {
                if float.fract() == 0.0 && float.abs() <= EXACT {
                    *value = Value::from(float as i64);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Value::Object(map) => map.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
    }
}

/// PostgreSQL text cannot hold NUL; refuse it up front, naming where it is.
fn nul_in(value: &Value, path: String) -> Option<String> {
    match value {
        Value::String(s) if s.contains('\0') => {
            Some(if path.is_empty() { "$".into() } else { path })
        }
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| nul_in(v, format!("{path}[{i}]"))),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let key = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            nul_in(v, key)
        }),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Quota {
        assigned: i32,
        coefficient: f64,
    }

    fn refused<T: DeserializeOwned + std::fmt::Debug>(body: &str) -> Box<Problem> {
        parse::<T>(body.as_bytes()).err().unwrap()
    }

    #[test]
    fn a_whole_number_written_with_a_fraction_is_an_integer() {
        let quota: Quota = parse(br#"{"assigned": 40.0, "coefficient": 4.0}"#).unwrap();
        assert_eq!(
            quota,
            Quota {
                assigned: 40,
                coefficient: 4.0
            }
        );
        let problem = refused::<Quota>(r#"{"assigned": 40.5, "coefficient": 4}"#);
        assert_eq!(problem.errors[0].field, "assigned");
        let problem = refused::<Quota>(r#"{"assigned": 1e300, "coefficient": 4}"#);
        assert_eq!(problem.errors[0].field, "assigned");
    }

    #[test]
    fn nul_in_any_string_is_refused_naming_where() {
        let problem = refused::<Value>(r#"{"parts": [{"name": "a\u0000b"}]}"#);
        assert_eq!(problem.status, 422);
        assert_eq!(problem.errors[0].field, "parts[0].name");
        assert_eq!(refused::<Value>(r#""\u0000""#).errors[0].field, "$");
    }
}
