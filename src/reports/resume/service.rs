//! A profile's résumé in one of the official layouts. It reads through the
//! profile services, so it is scoped and masked exactly like a profile
//! read: sealed items and entries show only on a reveal, which the profile
//! service checks (editor of the managing organization, fresh second
//! factor) and audits as `official.reveal`.

use std::collections::HashMap;

use serde_json::{Map, Value};

use super::layout::{layout, Item, Kind, Layout, TableLayout, MANAGING, USING};
use super::model::{Field, Line, Resume, ResumeRequest, Table};
use super::repo;
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::officials::service as officials;
use crate::officials::view::RecordView;

pub fn resume(ctx: &mut Ctx, request: ResumeRequest) -> AppResult<Resume> {
    let (view, records) = if request.reveal {
        let view = officials::reveal(ctx, request.id)?;
        (view, officials::reveal_records(ctx, request.id, None)?)
    } else {
        let view = officials::get(ctx, request.id)?;
        (view, officials::list_records(ctx, request.id, None)?)
    };
    let mut data = match serde_json::to_value(&view.data) {
        Ok(Value::Object(map)) => map,
        _ => return Err(AppError::Internal("profile data is not an object".into())),
    };
    for (key, id) in [
        (MANAGING, view.data.managing_organization_id),
        (USING, view.data.using_organization_id),
    ] {
        let name = crate::org::service::visible(ctx, id).ok().map(|o| o.name);
        data.insert(key.into(), name.map(Value::String).unwrap_or(Value::Null));
    }
    let layout = layout(request.form);
    let names = Names::load(ctx, layout, &data, &records)?;
    let writer = Writer { names: &names };
    Ok(Resume {
        official_id: view.id,
        form: request.form,
        form_code: layout.form_code,
        title: layout.title,
        full_name: view.data.full_name.clone(),
        header: writer.fields(layout.header, &data),
        lines: layout
            .lines
            .iter()
            .map(|(number, items)| Line {
                number,
                fields: writer.fields(items, &data),
            })
            .collect(),
        tables: layout
            .tables
            .iter()
            .map(|t| writer.table(t, &records))
            .collect(),
        printed_on: ctx.today,
    })
}

/// The names of the codes a résumé writes, by (catalog, code).
struct Names(HashMap<(String, String), String>);

impl Names {
    fn load(
        ctx: &mut Ctx,
        layout: &Layout,
        data: &Map<String, Value>,
        records: &[RecordView],
    ) -> AppResult<Names> {
        let mut catalogs: Vec<&str> = layout
            .items()
            .filter_map(|i| match i.kind {
                Kind::Code(catalog) => Some(catalog),
                Kind::Languages => Some("language"),
                _ => None,
            })
            .collect();
        catalogs.sort_unstable();
        catalogs.dedup();
        let codes = codes_held(data, records);
        let rows = repo::names(ctx.conn, &catalogs, &codes)?;
        Ok(Names(
            rows.into_iter()
                .map(|(catalog, code, name)| ((catalog, code), name))
                .collect(),
        ))
    }

    fn name<'a>(&'a self, catalog: &str, code: &'a str) -> &'a str {
        self.0
            .get(&(catalog.to_owned(), code.to_owned()))
            .map(String::as_str)
            .unwrap_or(code)
    }
}

/// Every string that may be a code: the profile's items, its languages and
/// its entries' details (a superset; the statement keeps the known ones).
fn codes_held(data: &Map<String, Value>, records: &[RecordView]) -> Vec<String> {
    let languages = data
        .get("foreign_languages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|l| l.get("language_code"));
    let details = records
        .iter()
        .filter_map(|r| r.data.as_object())
        .flat_map(|m| m.values());
    let mut codes: Vec<String> = data
        .values()
        .chain(languages)
        .chain(details)
        .filter_map(|v| v.as_str())
        .filter(|s| s.len() <= 40)
        .map(str::to_owned)
        .collect();
    codes.sort_unstable();
    codes.dedup();
    codes
}

struct Writer<'a> {
    names: &'a Names,
}

impl Writer<'_> {
    fn fields(&self, items: &[Item], data: &Map<String, Value>) -> Vec<Field> {
        items
            .iter()
            .map(|item| Field {
                label: item.label,
                value: self.value(item, data.get(item.key).unwrap_or(&Value::Null)),
            })
            .collect()
    }

    fn table(&self, layout: &TableLayout, records: &[RecordView]) -> Table {
        let entries: Vec<&RecordView> = records.iter().filter(|r| r.kind == layout.kind).collect();
        let mut columns = Vec::new();
        if layout.period {
            columns.extend(["Từ ngày", "Đến ngày"]);
        }
        columns.extend(layout.columns.iter().map(|c| c.label));
        let rows = entries
            .iter()
            .map(|entry| {
                let period = [entry.from_date, entry.to_date]
                    .into_iter()
                    .map(|d| d.map(date).unwrap_or_default())
                    .filter(|_| layout.period);
                period
                    .chain(
                        layout
                            .columns
                            .iter()
                            .map(|c| self.value(c, entry.data.get(c.key).unwrap_or(&Value::Null))),
                    )
                    .collect()
            })
            .collect();
        Table {
            title: layout.title,
            columns,
            rows,
            withheld: entries.iter().any(|e| e.withheld),
        }
    }

    fn value(&self, item: &Item, value: &Value) -> String {
        match (item.kind, value) {
            (_, Value::Null) => String::new(),
            (Kind::Upper, Value::String(text)) => text.to_uppercase(),
            (Kind::Date, Value::String(iso)) => {
                iso.parse().map(date).unwrap_or_else(|_| iso.clone())
            }
            (Kind::Decimal, Value::Number(n)) => n
                .as_f64()
                .map(|f| format!("{f:.2}").replace('.', ","))
                .unwrap_or_default(),
            (Kind::Code(catalog), Value::String(code)) => self.names.name(catalog, code).to_owned(),
            (Kind::Sex, Value::String(sex)) => match sex.as_str() {
                "female" => "Nữ".to_owned(),
                "male" => "Nam".to_owned(),
                other => other.to_owned(),
            },
            (Kind::Languages, Value::Array(list)) => list
                .iter()
                .map(|l| self.language(l))
                .collect::<Vec<_>>()
                .join(", "),
            (_, Value::String(text)) => text.clone(),
            (_, other) => other.to_string(),
        }
    }

    fn language(&self, language: &Value) -> String {
        let code = language["language_code"].as_str().unwrap_or_default();
        let name = self.names.name("language", code);
        match language["level"]
            .as_str()
            .or(language["level_code"].as_str())
        {
            Some(level) => format!("{name} ({level})"),
            None => name.to_owned(),
        }
    }
}

fn date(date: chrono::NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}
