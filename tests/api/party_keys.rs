//! The blind-index key rotated with party members in the database: their
//! cards and identity numbers are still found, and one person is still
//! refused a second record, halfway through and after.

use odb::crypto::{rotate_blind_index, status};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, id, json};
use crate::party::{admission, demo, post, unit_id, Demo};

/// The identity card number of the person with this personal code.
fn identity(code: &str) -> String {
    format!("9{}", &code[1..])
}

fn lookup(d: &Demo, field: &str, value: &str) -> Vec<Value> {
    let (status, found) = json(post(
        &d.app,
        &d.hanoi,
        "/api/v1/party-members/lookup",
        &json!({ field: value }),
        None,
    ));
    assert_eq!(status, 200, "{found}");
    found["items"].as_array().unwrap().clone()
}

/// Found by card and identity number, and refused a second record.
fn still_one_person(d: &Demo, cell: &str, (member, code): (&Value, &str)) {
    let by_card = lookup(d, "party_card_number", &format!("C{code}"));
    assert_eq!(by_card.len(), 1, "{code}");
    assert_eq!(by_card[0]["id"], member["id"]);
    let by_identity = lookup(d, "identity_number", &identity(code));
    assert_eq!(by_identity.len(), 1, "{code}");
    let again = admission(cell, "Bản Sao", code, "2025-11-01");
    let problem = assert_problem(
        post(&d.app, &d.hanoi, "/api/v1/party-members", &again, None),
        409,
        "duplicate",
    );
    assert_eq!(
        problem["existing"],
        format!("/api/v1/party-members/{}", id(member))
    );
}

fn admit(d: &Demo, cell: &str, name: &str, code: &str) -> Value {
    let mut body = admission(cell, name, code, "2025-10-01");
    body["identity_number"] = json!(identity(code));
    let (status, made) = json(post(&d.app, &d.hanoi, "/api/v1/party-members", &body, None));
    assert_eq!(status, 201, "{made}");
    made
}

/// (key version, state, profiles, party members) of each blind-index key.
fn keys(d: &Demo) -> Vec<(u32, String, i64, i64)> {
    status(&mut d.app.db.connect())
        .unwrap()
        .blind_index_keys
        .into_iter()
        .map(|k| (k.version, k.state, k.profiles, k.party_members))
        .collect()
}

#[test]
fn a_blind_index_key_rotation_reindexes_party_members_and_lookups_keep_working() {
    let d = demo();
    let cell = unit_id(&d.app, "CB-P01-PHUONG-NGOCHA-1");
    let before = admit(&d, &cell, "Vũ Thị Hạnh", "001190000101");
    let [(1, state, profiles, members)]: [_; 1] = keys(&d).try_into().unwrap() else {
        panic!("one key to begin with");
    };
    assert_eq!(state, "active");

    // the process dies once the first member is re-indexed
    let crashed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rotate_blind_index(
            &mut [d.app.db.connect(), d.app.db.connect()],
            &d.app.keyring,
            1,
            chrono::Utc::now(),
            &mut |rows, _| assert_ne!(rows, "party_members", "simulated crash"),
        )
    }));
    assert!(crashed.is_err());
    assert_eq!(
        keys(&d),
        [
            (1, "retiring".into(), 0, members - 1),
            (2, "active".into(), profiles, 1)
        ]
    );
    // halfway: a member under either key, and one written under the new key
    let during = admit(&d, &cell, "Lò Văn Pọm", "001190000202");
    still_one_person(&d, &cell, (&before, "001190000101"));
    still_one_person(&d, &cell, (&during, "001190000202"));

    let report = rotate_blind_index(
        &mut [d.app.db.connect(), d.app.db.connect()],
        &d.app.keyring,
        7,
        chrono::Utc::now(),
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!((report.new_version, report.retired), (2, vec![1]));
    assert_eq!(report.resealed, u64::try_from(members - 1).unwrap());
    assert_eq!(
        keys(&d),
        [
            (1, "retired".into(), 0, 0),
            (2, "active".into(), profiles, members + 1)
        ]
    );
    // the old key is gone: only the recomputed indexes can find them
    still_one_person(&d, &cell, (&before, "001190000101"));
    still_one_person(&d, &cell, (&during, "001190000202"));
}
