//! Organization events: units named by code at any depth, a split's moved
//! children included, and each fault rejected alone, naming its field.

use serde_json::{json, Value};

use super::{count, outcomes, send, setup, Setup};
use crate::helpers::*;

/// An event about MOHA's unit `moha_id` (whose code is `code`).
fn unit_event(
    (sequence, version): (i64, i64),
    (moha_id, code): (&str, &str),
    kind: &str,
    data: Value,
) -> Value {
    json!({
        "event_id": uuid::Uuid::new_v4(),
        "sequence": sequence,
        "occurred_at": "2026-11-29T07:00:00Z",
        "type": kind,
        "entity": {"moha_id": moha_id, "organization_code": code},
        "version": version,
        "data": data,
    })
}

/// A whole group 2 unit under the unit coded `parent`.
fn unit(code: &str, level: &str, parent: &str) -> Value {
    json!({
        "code": code, "name": format!("Đơn vị {code}"), "level": level,
        "type": "administrative_unit", "group": 2, "parent_code": parent,
        "established_on": "2000-01-01",
    })
}

fn upsert(sequence: i64, code: &str, data: Value) -> Value {
    unit_event(
        (sequence, 1),
        (&format!("DV-{code}"), code),
        "organization.upserted",
        data,
    )
}

fn split(sequence: i64, source: &str, parts: Value) -> Value {
    // the source's second version at MOHA: its first made it
    unit_event(
        (sequence, 2),
        (&format!("DV-{source}"), source),
        "organization.reorganized",
        json!({"kind": "split", "request": {
            "source_code": source, "parts": parts,
            "decision_number": "7/NQ-BNV", "effective_date": "2026-11-01",
        }}),
    )
}

fn by_code(s: &Setup, code: &str) -> Value {
    let (status, unit) = json(s.app.get(&format!("/api/v1/organizations/by-code/{code}")));
    assert_eq!(status, 200, "{code}: {unit}");
    unit
}

fn children(s: &Setup, unit: &Value) -> Vec<String> {
    let (status, list) = json(
        s.app
            .get(&format!("/api/v1/organizations/{}/children", id(unit))),
    );
    assert_eq!(status, 200, "{list}");
    let mut codes: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["code"].as_str().unwrap().to_owned())
        .collect();
    codes.sort();
    codes
}

/// The field each rejection names (or its problem type when it names none).
fn rejections(answer: &Value) -> Vec<String> {
    answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["outcome"] == "rejected")
        .map(|r| {
            let problem = &r["problem"];
            fields(problem)
                .first()
                .cloned()
                .unwrap_or_else(|| problem["type"].as_str().unwrap().to_owned())
        })
        .collect()
}

#[test]
fn a_split_names_its_source_new_units_and_moved_children_by_code() {
    let s = setup();
    let made = send(
        &s,
        &[
            upsert(1, "S", unit("S", "province", "ROOT")),
            upsert(2, "C1", unit("C1", "district", "S")),
            upsert(3, "C2", unit("C2", "district", "S")),
        ],
    );
    assert_eq!(outcomes(&made), ["applied"; 3], "{made}");

    let answer = send(
        &s,
        &[split(
            4,
            "S",
            json!([
                {"new_organization": unit("X", "province", "ROOT"), "children_codes": ["C1"]},
                {"new_organization": unit("Y", "province", "ROOT"), "children_codes": ["C2"]},
            ]),
        )],
    );
    assert_eq!(outcomes(&answer), ["applied"], "{answer}");
    assert_eq!(by_code(&s, "S")["status"], "split");
    assert_eq!(children(&s, &by_code(&s, "X")), ["C1"]);
    assert_eq!(children(&s, &by_code(&s, "Y")), ["C2"]);
    assert_eq!(by_code(&s, "C1")["parent_id"], by_code(&s, "X")["id"]);
}

#[test]
fn each_faulty_organization_event_is_rejected_alone_naming_its_field() {
    let s = setup();
    let mut both = unit("U2", "province", "ROOT");
    both["parent_id"] = s.app.root["id"].clone();
    let answer = send(
        &s,
        &[
            upsert(1, "U1", unit("U1", "province", "NO-SUCH-UNIT")),
            upsert(2, "U2", both),
            upsert(3, "U3", unit("U4", "province", "ROOT")),
            split(
                4,
                "BNV",
                json!([
                    {"new_organization": unit("N1", "central", "ROOT"), "children_codes": ["BNV-VP", "NO-SUCH-CHILD"]},
                ]),
            ),
            split(
                5,
                "BNV",
                json!([
                    {"new_organization": unit("N2", "central", "ROOT"), "children_codes": ["BTCTW"]},
                ]),
            ),
            upsert(6, "U5", unit("U5", "province", "ROOT")),
        ],
    );
    assert_eq!(
        outcomes(&answer),
        ["rejected", "rejected", "rejected", "rejected", "rejected", "applied"],
        "{answer}"
    );
    assert_eq!(
        rejections(&answer),
        [
            "data.parent_code",
            "data.parent_code",
            "entity.organization_code",
            "data.request.parts[0].children_codes[1]",
            "https://odb.gov.vn/problems/forbidden",
        ]
    );
    let detail = |i: usize| {
        answer["results"][i]["problem"]["detail"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(
        detail(4).contains("touches a group 1 organization"),
        "{}",
        detail(4)
    );
    let both_problem = &answer["results"][1]["problem"]["errors"][0]["message"];
    assert!(
        both_problem.as_str().unwrap().contains("not both"),
        "{both_problem}"
    );

    // nothing of a rejected event is kept; the unit split in neither is whole
    let kept = count(
        &s,
        "SELECT count(*) AS n FROM organizations WHERE code IN ('U1','U2','U3','U4','N1','N2')",
    );
    assert_eq!(kept, 0);
    assert_eq!(by_code(&s, "BNV")["status"], "active");
    assert_eq!(children(&s, &by_code(&s, "BNV")), ["BNV-VP"]);
    assert_eq!(by_code(&s, "U5")["status"], "active");
    let rejected = count(
        &s,
        "SELECT count(*) AS n FROM sync_events WHERE outcome = 'rejected'",
    );
    assert_eq!(rejected, 5, "rejected events are kept for review");
}
