//! The profile in the sections of the 2C résumé form (Mẫu 2C): which items
//! each section holds, how an item is shown, and how a typed value becomes
//! the item's JSON value in a PATCH. Items are named by their API field, so
//! a service's field error lands beside the input of the same name.

use std::collections::HashMap;

use serde_json::Value;

use crate::catalogs::Entry;
use crate::officials::view::SEALED_ITEMS;
use crate::portal::format;
use crate::portal::i18n::Lang;

/// How an item is shown and typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    Text,
    LongText,
    Email,
    Tel,
    Date,
    Integer,
    Decimal,
    /// A code of this catalog, shown by its name.
    Code(&'static str),
    /// A word of a closed set, shown as the message `<prefix>-<word>`.
    Word(&'static str),
    /// The foreign languages list.
    Languages,
}

#[derive(Debug, Clone, Copy)]
pub struct Item {
    pub key: &'static str,
    pub kind: ItemKind,
}

const fn item(key: &'static str, kind: ItemKind) -> Item {
    Item { key, kind }
}

#[derive(Debug)]
pub struct Section {
    pub id: &'static str,
    pub items: &'static [Item],
    /// Whether the portal offers a form for this section.
    pub editable: bool,
}

impl Section {
    /// Whether it holds items only a reveal shows in full (identity
    /// numbers, contact data): its form needs the reveal, and so a fresh
    /// second factor.
    pub fn holds_sealed(&self) -> bool {
        self.items.iter().any(|i| SEALED_ITEMS.contains(&i.key))
    }
}

use ItemKind::*;

pub const SECTIONS: &[Section] = &[
    Section {
        id: "identity",
        editable: false,
        items: &[
            item("full_name", Text),
            item("other_names", Text),
            item("sex", Word("sex")),
            item("birth_date", Date),
            item("birthplace", Text),
            item("birthplace_province_code", Code("province")),
            item("hometown", Text),
            item("hometown_province_code", Code("province")),
            item("ethnic_group_code", Code("ethnic_group")),
            item("religion_code", Code("religion")),
            item("classification", Word("classification")),
            item("cbccvc_code", Text),
            item("identity_card_number", Text),
            item("identity_card_issued_on", Date),
            item("identity_card_issued_place", Text),
            item("personal_identification_code", Text),
            item("social_insurance_number", Text),
        ],
    },
    Section {
        id: "contact",
        editable: true,
        items: &[
            item("current_address", LongText),
            item("phone", Tel),
            item("email", Email),
        ],
    },
    Section {
        id: "work",
        editable: true,
        items: &[
            item("first_recruited_on", Date),
            item("recruiting_agency", Text),
            item("recruiting_position", Text),
            item("joined_current_agency_on", Date),
            item("position_code", Code("position")),
            item("job_position", Text),
            item("first_appointed_on", Date),
            item("reappointed_on", Date),
            item("term", Text),
            item("concurrent_positions", LongText),
        ],
    },
    Section {
        id: "salary",
        editable: false,
        items: &[
            item("rank_code", Code("rank")),
            item("rank_since", Date),
            item("salary_step", Integer),
            item("salary_coefficient", Decimal),
            item("leadership_salary_code", Code("leadership_salary")),
            item("salary_step_since", Date),
            item("seniority_allowance_percent", Integer),
            item("next_raise_on", Date),
        ],
    },
    Section {
        id: "education",
        editable: true,
        items: &[
            item("general_education", Text),
            item("education_level_code", Code("education_level")),
            item("degree_code", Code("degree")),
            item("degree_on", Date),
            item("degree_specialty", Text),
            item("academic_title_code", Code("academic_title")),
            item("academic_title_on", Date),
            item("political_theory_code", Code("political_theory")),
            item("state_management_code", Code("state_management")),
            item("it_level", Text),
            item("defence_security_training", Text),
            item("minority_languages", Text),
        ],
    },
    Section {
        id: "languages",
        editable: false,
        items: &[item("foreign_languages", Languages)],
    },
    Section {
        id: "party",
        editable: false,
        items: &[
            item("party_admitted_on", Date),
            item("party_official_on", Date),
            item("party_card_number", Text),
            item("party_position", Text),
        ],
    },
];

pub fn section(id: &str) -> Option<&'static Section> {
    SECTIONS.iter().find(|s| s.id == id)
}

/// The catalogs the sections' coded items come from.
pub fn catalog_names() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = SECTIONS
        .iter()
        .flat_map(|s| s.items)
        .filter_map(|i| match i.kind {
            Code(catalog) => Some(catalog),
            _ => None,
        })
        .chain(["language", "evaluation_result"])
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// The message key of an item's label: `field-current-address`.
pub fn label_key(key: &str) -> String {
    format!("field-{}", key.replace('_', "-"))
}

/// Code lists by catalog, for names and choices.
#[derive(Debug, Default)]
pub struct Catalogs(pub HashMap<String, Vec<Entry>>);

impl Catalogs {
    pub fn name<'a>(&'a self, catalog: &str, code: &'a str) -> &'a str {
        self.0
            .get(catalog)
            .and_then(|entries| entries.iter().find(|e| e.code == code))
            .map(|e| e.name.as_str())
            .unwrap_or(code)
    }

    /// The choices of a select: "none" first, then every entry.
    pub fn options(&self, catalog: &str, none: String) -> Vec<(String, String)> {
        let entries = self.0.get(catalog).map(Vec::as_slice).unwrap_or_default();
        std::iter::once((String::new(), none))
            .chain(entries.iter().map(|e| (e.code.clone(), e.name.clone())))
            .collect()
    }
}

/// `3,33` in Vietnamese, `3.33` in English.
pub fn decimal(lang: Lang, number: f64) -> String {
    let text = format!("{number:.2}");
    match lang {
        Lang::Vi => text.replace('.', ","),
        Lang::En => text,
    }
}

/// An item as a page shows it.
pub fn shown(lang: Lang, catalogs: &Catalogs, item: &Item, value: &Value) -> String {
    match (item.kind, value) {
        (_, Value::Null) => String::new(),
        (Date, Value::String(iso)) => iso
            .parse()
            .map(format::date)
            .unwrap_or_else(|_| iso.clone()),
        (Decimal, Value::Number(n)) => n.as_f64().map(|f| decimal(lang, f)).unwrap_or_default(),
        (Code(catalog), Value::String(code)) => catalogs.name(catalog, code).to_owned(),
        (Word(prefix), Value::String(word)) => lang.t(&format!("{prefix}-{word}")),
        (Languages, Value::Array(list)) => list
            .iter()
            .map(|l| {
                let code = l["language_code"].as_str().unwrap_or_default();
                let level = l["level"]
                    .as_str()
                    .or(l["level_code"].as_str())
                    .unwrap_or_default();
                format!("{} ({level})", catalogs.name("language", code))
            })
            .collect::<Vec<_>>()
            .join(", "),
        (_, Value::String(text)) => text.clone(),
        (_, other) => other.to_string(),
    }
}

/// An item as its form input holds it: codes as codes, the rest as shown.
pub fn typed(lang: Lang, catalogs: &Catalogs, item: &Item, value: &Value) -> String {
    match (item.kind, value) {
        (Code(_), Value::String(code)) => code.clone(),
        _ => shown(lang, catalogs, item, value),
    }
}

/// Why a typed value is not a value of its item (a message key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unreadable(pub &'static str);

/// What was typed, as the item's JSON value in a PATCH (blank clears).
pub fn read(item: &Item, text: Option<&str>) -> Result<Value, Unreadable> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(Value::Null);
    };
    match item.kind {
        Date => match format::parse_date(text) {
            Ok(Some(date)) => Ok(Value::String(date.to_string())),
            _ => Err(Unreadable("invalid-date")),
        },
        Integer => text
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| Unreadable("invalid-integer")),
        Decimal => text
            .replace(',', ".")
            .parse::<f64>()
            .map(Value::from)
            .map_err(|_| Unreadable("invalid-decimal")),
        _ => Ok(Value::String(text.to_owned())),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_item_is_a_field_of_a_profile() {
        let fields = [
            "full_name",
            "current_address",
            "first_recruited_on",
            "rank_code",
            "foreign_languages",
            "party_card_number",
        ];
        for key in fields {
            assert!(
                SECTIONS.iter().flat_map(|s| s.items).any(|i| i.key == key),
                "{key}"
            );
        }
        for section in SECTIONS {
            for item in section.items {
                assert!(
                    Lang::Vi.has(&label_key(item.key)),
                    "no label for {}",
                    item.key
                );
            }
            assert!(Lang::Vi.has(&format!("section-{}", section.id)));
        }
    }

    #[test]
    fn values_are_shown_and_read_as_people_write_them() {
        let date = item("birth_date", Date);
        let catalogs = Catalogs::default();
        assert_eq!(
            shown(Lang::Vi, &catalogs, &date, &json!("1980-05-17")),
            "17/05/1980"
        );
        assert_eq!(read(&date, Some("17/5/1980")), Ok(json!("1980-05-17")));
        assert_eq!(read(&date, Some(" ")), Ok(Value::Null));
        assert_eq!(
            read(&date, Some("17/13/1980")),
            Err(Unreadable("invalid-date"))
        );
        let coefficient = item("salary_coefficient", Decimal);
        assert_eq!(
            shown(Lang::Vi, &catalogs, &coefficient, &json!(3.33)),
            "3,33"
        );
        assert_eq!(
            shown(Lang::En, &catalogs, &coefficient, &json!(3.33)),
            "3.33"
        );
        assert_eq!(read(&coefficient, Some("3,33")), Ok(json!(3.33)));
        let sex = item("sex", Word("sex"));
        assert_eq!(shown(Lang::Vi, &catalogs, &sex, &json!("female")), "Nữ");
    }
}
