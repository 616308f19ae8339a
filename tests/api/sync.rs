//! Synchronization with MOHA against the real server: signed requests,
//! batches applied once, versions, rejections kept and replayed, scope.

use diesel::prelude::*;
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::helpers::*;
use crate::officials::profile;

mod organizations;

const EVENTS: &str = "/api/v1/sync/moha/events";

/// A registered client, as the operator hands it to MOHA.
#[derive(Clone)]
pub(crate) struct Client {
    id: String,
    secret: String,
}

/// ROOT (group 1) holds a group 1 unit and the state's units (group 2): a
/// ministry with a department, and a province.
pub(crate) struct Setup {
    pub(crate) app: TestApp,
    pub(crate) ministry: Value,
    pub(crate) department: Value,
    pub(crate) province: Value,
    pub(crate) party: Value,
    pub(crate) client: Client,
}

fn register(app: &TestApp, name: &str, org: &str) -> Client {
    let input = odb::sync::clients::NewClient {
        name: name.into(),
        org_code: org.into(),
        xroad_client: Some(format!("VN/GOV/000.00.00.G09/{name}")),
    };
    let issued = app.as_operator(|ctx| odb::sync::clients::create(ctx, input));
    Client {
        id: issued.id.to_string(),
        secret: issued.secret,
    }
}

pub(crate) fn setup() -> Setup {
    let app = TestApp::spawn();
    let root = id(&app.root).to_owned();
    let ministry = app.create_org(org("BNV", "Bộ Nội vụ", "central", Some(&root)));
    let department = app.create_org(org(
        "BNV-VP",
        "Văn phòng Bộ",
        "central",
        Some(id(&ministry)),
    ));
    let province = app.create_org(org("P01", "Thành phố Hà Nội", "province", Some(&root)));
    let mut party = org("BTCTW", "Ban Tổ chức Trung ương", "central", Some(&root));
    party["group"] = json!(1);
    party["type"] = json!("party_agency");
    let party = app.create_org(party);
    let client = register(&app, "moha", "ROOT");
    Setup {
        app,
        ministry,
        department,
        province,
        party,
        client,
    }
}

/// HMAC-SHA256 as docs/integration/moha-sync.md describes it, written here without the
/// server's code, so the two cannot share a mistake.
fn signature(secret: &str, lines: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(lines.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn lines(client: &str, timestamp: i64, method: &str, target: &str, body: &[u8]) -> String {
    let digest = hex::encode(Sha256::digest(body));
    format!("ODB-HMAC-SHA256\n{client}\n{timestamp}\n{method}\n{target}\n{digest}")
}

/// A request signed now (by the server's clock) with `secret`.
fn signed<'a>(
    app: &'a TestApp,
    (client, secret): (&str, &str),
    (method, target): (Method, &str),
    body: &[u8],
) -> Request<'a> {
    let now = app.clock.now().timestamp();
    let signed = signature(secret, &lines(client, now, method.as_str(), target, body));
    let request = app
        .anonymous(method, target)
        .header("X-ODB-Client", client)
        .header("X-ODB-Timestamp", now.to_string())
        .header("X-ODB-Signature", signed);
    if body.is_empty() {
        request
    } else {
        request
            .header("Content-Type", "application/json")
            .body(body.to_vec())
    }
}

pub(crate) fn send(s: &Setup, events: &[Value]) -> Value {
    let body = serde_json::to_vec(&json!({ "events": events })).unwrap();
    let client = (s.client.id.as_str(), s.client.secret.as_str());
    let (status, answer) = json(
        signed(&s.app, client, (Method::POST, EVENTS), &body)
            .send()
            .unwrap(),
    );
    assert_eq!(status, 200, "{answer}");
    answer
}

fn get(s: &Setup, target: &str) -> Value {
    let client = (s.client.id.as_str(), s.client.secret.as_str());
    let (status, answer) = json(
        signed(&s.app, client, (Method::GET, target), b"")
            .send()
            .unwrap(),
    );
    assert_eq!(status, 200, "{answer}");
    answer
}

pub(crate) fn outcomes(answer: &Value) -> Vec<String> {
    answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["outcome"].as_str().unwrap().to_owned())
        .collect()
}

/// An event about MOHA's person `moha_id` (whose code is `code`).
pub(crate) fn event(
    sequence: i64,
    (moha_id, code): (&str, &str),
    (kind, version): (&str, i64),
    data: Value,
) -> Value {
    json!({
        "event_id": uuid::Uuid::new_v4(),
        "sequence": sequence,
        "occurred_at": "2026-11-29T07:00:00Z",
        "type": kind,
        "entity": {"moha_id": moha_id, "personal_identification_code": code},
        "version": version,
        "data": data,
    })
}

const AN: (&str, &str) = ("BNV-000001", "001080012345");
const BINH: (&str, &str) = ("BNV-000002", "001080067890");

pub(crate) fn whole(org: &Value, name: &str, code: &str) -> Value {
    let mut whole = profile(id(org), name, code);
    whole["salary_step_since"] = json!("2020-01-01");
    whole
}

/// The profile as the administrator reads it.
pub(crate) fn official(s: &Setup, official_id: &Value) -> Value {
    let (status, body) = json(s.app.get(&format!(
        "/api/v1/officials/{}",
        official_id.as_str().unwrap()
    )));
    assert_eq!(status, 200, "{body}");
    body
}

pub(crate) fn count(s: &Setup, sql: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(sql)
        .get_result::<N>(&mut s.app.db.connect())
        .unwrap()
        .n
}

#[test]
fn a_batch_is_applied_through_the_officials_services_and_a_resend_changes_nothing() {
    let s = setup();
    let batch = vec![
        event(
            1,
            AN,
            ("official.upserted", 1),
            whole(&s.ministry, "Nguyễn Văn An", AN.1),
        ),
        event(
            2,
            AN,
            ("official.changed", 2),
            json!({"phone": "0987654321", "salary_step": 5, "salary_coefficient": 3.66, "salary_step_since": "2023-01-01"}),
        ),
        event(
            3,
            AN,
            ("official.transferred", 3),
            json!({
                "managing_organization_id": id(&s.department),
                "effective_date": "2026-11-01",
                "decision_number": "123/QĐ-BNV",
                "position": "Chuyên viên chính",
            }),
        ),
        event(
            4,
            BINH,
            ("official.upserted", 1),
            whole(&s.province, "Trần Thị Bình", BINH.1),
        ),
    ];
    let answer = send(&s, &batch);
    assert_eq!(outcomes(&answer), ["applied"; 4], "{answer}");
    assert_eq!(answer["applied"], 4);
    let an = answer["results"][0]["official_id"].clone();
    assert_eq!(answer["results"][2]["official_id"], an);

    let shown = official(&s, &an);
    assert_eq!(shown["managing_organization_id"], s.department["id"]);
    assert_eq!(shown["job_position"], "Chuyên viên chính");
    assert_eq!(shown["salary_step"], 5);
    assert_eq!(shown["phone"], "0987****21", "masked as for any profile");
    // the profile's own history names the client, as the officials services wrote it
    let (_, history) = json(s.app.get(&format!(
        "/api/v1/officials/{}/history",
        an.as_str().unwrap()
    )));
    let actions: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions.len(), 4, "{history}");
    assert!(history["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["actor"] == "sync-client:moha"));

    // the same batch again (a lost answer): every event a duplicate, nothing changes
    let again = send(&s, &batch);
    assert_eq!(outcomes(&again), ["duplicate"; 4], "{again}");
    assert_eq!(official(&s, &an)["version"], shown["version"]);
    assert_eq!(count(&s, "SELECT count(*) AS n FROM officials"), 2);
    assert_eq!(count(&s, "SELECT count(*) AS n FROM sync_events"), 4);
    // the same event twice in one batch counts once
    let twice = event(
        5,
        BINH,
        ("official.changed", 2),
        json!({"phone": "0911111111"}),
    );
    let answer = send(&s, &[twice.clone(), twice]);
    assert_eq!(outcomes(&answer), ["applied", "duplicate"], "{answer}");
}

#[test]
fn versions_decide_out_of_order_events_and_a_gap_waits_for_a_replay() {
    let s = setup();
    let answer = send(
        &s,
        &[
            event(
                10,
                AN,
                ("official.upserted", 3),
                whole(&s.ministry, "Nguyễn Văn An", AN.1),
            ),
            // sent later, made earlier: older than what ODB holds
            event(
                9,
                AN,
                ("official.upserted", 2),
                whole(&s.ministry, "Nguyễn Văn Cũ", AN.1),
            ),
        ],
    );
    // decided in sequence order: 9 first (applied), then 10 (applied over it)
    assert_eq!(outcomes(&answer), ["applied", "applied"], "{answer}");
    let an = answer["results"][0]["official_id"].clone();
    assert_eq!(official(&s, &an)["full_name"], "Nguyễn Văn An");

    let late = send(
        &s,
        &[event(
            8,
            AN,
            ("official.upserted", 1),
            whole(&s.ministry, "Nguyễn Văn Xưa", AN.1),
        )],
    );
    assert_eq!(outcomes(&late), ["stale"], "{late}");
    assert_eq!(official(&s, &an)["full_name"], "Nguyễn Văn An");

    // version 5 in part, while 4 is missing: rejected, kept
    let ahead = event(
        12,
        AN,
        ("official.changed", 5),
        json!({"salary_step": 7, "salary_coefficient": 4.32, "salary_step_since": "2025-06-01"}),
    );
    let answer = send(&s, std::slice::from_ref(&ahead));
    assert_eq!(outcomes(&answer), ["rejected"], "{answer}");
    assert_eq!(
        answer["results"][0]["problem"]["type"],
        "https://odb.gov.vn/problems/version-gap"
    );
    let status = get(&s, "/api/v1/sync/moha/status");
    assert_eq!(status["gaps"], json!([{"from": 11, "to": 11}]), "{status}");
    assert_eq!(status["highest_sequence_applied"], 10);
    assert_eq!(
        status["counts"],
        json!({"applied": 2, "stale": 1, "rejected": 1})
    );
    assert_eq!(status["last_received"]["sequence"], 12);

    // the missing version arrives; the replay applies the waiting one, once
    let missing = send(
        &s,
        &[event(
            11,
            AN,
            ("official.changed", 4),
            json!({"salary_step": 6, "salary_coefficient": 3.99, "salary_step_since": "2024-06-01"}),
        )],
    );
    assert_eq!(outcomes(&missing), ["applied"], "{missing}");
    let replay = "/api/v1/sync/moha/rejected/replay";
    let body = serde_json::to_vec(&json!({})).unwrap();
    let client = (s.client.id.as_str(), s.client.secret.as_str());
    let (code, replayed) = json(
        signed(&s.app, client, (Method::POST, replay), &body)
            .send()
            .unwrap(),
    );
    assert_eq!(code, 200, "{replayed}");
    assert_eq!(outcomes(&replayed), ["applied"], "{replayed}");
    assert_eq!(replayed["results"][0]["event_id"], ahead["event_id"]);
    assert_eq!(official(&s, &an)["salary_step"], 7);
    let (_, again) = json(
        signed(&s.app, client, (Method::POST, replay), &body)
            .send()
            .unwrap(),
    );
    assert_eq!(again["results"], json!([]), "nothing left to replay");
    let status = get(&s, "/api/v1/sync/moha/status");
    assert_eq!(status["gaps"], json!([]));
    assert_eq!(status["counts"]["rejected"], 0);
    // the sent event stays as received, its duplicate still a duplicate
    assert_eq!(outcomes(&send(&s, &[ahead])), ["duplicate"]);
}

#[test]
fn one_bad_event_is_rejected_alone_with_its_reasons_and_kept_for_review() {
    let s = setup();
    let mut young = whole(&s.ministry, "Lê Văn Trẻ", BINH.1);
    young["birth_date"] = json!("2020-01-01");
    let answer = send(
        &s,
        &[
            event(
                1,
                AN,
                ("official.upserted", 1),
                whole(&s.ministry, "Nguyễn Văn An", AN.1),
            ),
            event(2, BINH, ("official.upserted", 1), young),
            json!({"event_id": uuid::Uuid::new_v4(), "sequence": "three"}),
            event(
                4,
                ("BNV-000004", "001080011111"),
                ("official.changed", 1),
                json!({"phone": "0912345678"}),
            ),
        ],
    );
    assert_eq!(
        outcomes(&answer),
        ["applied", "rejected", "rejected", "rejected"],
        "{answer}"
    );
    let invalid = &answer["results"][1]["problem"];
    assert_eq!(invalid["type"], "https://odb.gov.vn/problems/validation");
    assert!(
        fields(invalid).contains(&"birth_date".to_owned()),
        "{invalid}"
    );
    assert_eq!(fields(&answer["results"][2]["problem"]), ["sequence"]);
    assert_eq!(
        answer["results"][3]["problem"]["type"],
        "https://odb.gov.vn/problems/unknown-entity"
    );
    // the unreadable one has nothing to be kept under; the other two are kept
    let rejected = get(&s, "/api/v1/sync/moha/rejected");
    let kept: Vec<i64> = rejected["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["sequence"].as_i64().unwrap())
        .collect();
    assert_eq!(kept, [2, 4], "{rejected}");
    assert_eq!(rejected["items"][0]["problem"], *invalid);
    assert_eq!(rejected["items"][0]["attempts"], 1);
    let page = get(&s, "/api/v1/sync/moha/rejected?limit=1");
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let cursor = page["next_cursor"].as_str().unwrap();
    let next = get(
        &s,
        &format!("/api/v1/sync/moha/rejected?limit=1&cursor={cursor}"),
    );
    assert_eq!(next["items"][0]["sequence"], 4);
}

#[test]
fn group_1_and_outside_the_clients_subtree_are_refused() {
    let s = setup();
    let answer = send(
        &s,
        &[event(
            1,
            AN,
            ("official.upserted", 1),
            whole(&s.party, "Nguyễn Văn An", AN.1),
        )],
    );
    assert_eq!(outcomes(&answer), ["rejected"]);
    let problem = &answer["results"][0]["problem"];
    assert_eq!(problem["type"], "https://odb.gov.vn/problems/forbidden");
    assert!(
        problem["detail"].as_str().unwrap().contains("group 2"),
        "{problem}"
    );
    assert_eq!(count(&s, "SELECT count(*) AS n FROM officials"), 0);

    // a person already in ODB, managed in group 1: MOHA cannot take them over
    let made = s.app.post(
        "/api/v1/officials",
        &whole(&s.party, "Phạm Văn Đảng", BINH.1),
    );
    assert_eq!(made.status(), 201);
    let answer = send(
        &s,
        &[event(
            2,
            BINH,
            ("official.upserted", 1),
            whole(&s.ministry, "Phạm Văn Đảng", BINH.1),
        )],
    );
    assert_eq!(outcomes(&answer), ["rejected"], "{answer}");
    assert!(answer["results"][0]["problem"]["detail"]
        .as_str()
        .unwrap()
        .contains("managed by a group 1 organization"));

    // a client over the province alone cannot write the ministry
    let province = register(&s.app, "moha-p01", "P01");
    let narrow = Setup {
        client: province,
        ..s
    };
    let answer = send(
        &narrow,
        &[
            event(
                3,
                ("BNV-000009", "001080099999"),
                ("official.upserted", 1),
                whole(&narrow.ministry, "Đỗ Văn Xa", "001080099999"),
            ),
            event(
                4,
                ("HN-000001", "001080088888"),
                ("official.upserted", 1),
                whole(&narrow.province, "Đỗ Văn Gần", "001080088888"),
            ),
        ],
    );
    assert_eq!(outcomes(&answer), ["rejected", "applied"], "{answer}");
}

#[test]
fn a_first_event_links_to_the_profile_odb_already_holds() {
    let s = setup();
    let (status, made) = json(s.app.post(
        "/api/v1/officials",
        &whole(&s.ministry, "Nguyễn Văn An", AN.1),
    ));
    assert_eq!(status, 201, "{made}");
    let mut moved = whole(&s.department, "Nguyễn Văn An", AN.1);
    moved["phone"] = Value::Null;
    let answer = send(&s, &[event(1, AN, ("official.upserted", 1), moved)]);
    assert_eq!(outcomes(&answer), ["applied"], "{answer}");
    assert_eq!(answer["results"][0]["official_id"], made["id"]);
    let shown = official(&s, &made["id"]);
    assert_eq!(shown["managing_organization_id"], s.department["id"]);
    assert_eq!(
        shown["phone"],
        Value::Null,
        "updated in full: what MOHA lacks is cleared"
    );
    assert_eq!(count(&s, "SELECT count(*) AS n FROM officials"), 1);
}

/// 401 problem+json for each way a signature fails, each audited.
#[test]
fn bad_signatures_unknown_or_revoked_clients_and_old_timestamps_are_refused_and_audited() {
    let s = setup();
    let body = serde_json::to_vec(&json!({"events": [
        event(1, AN, ("official.upserted", 1), whole(&s.ministry, "Nguyễn Văn An", AN.1)),
    ]}))
    .unwrap();
    let ours = (s.client.id.as_str(), s.client.secret.as_str());
    let refused = |request: Request| {
        let response = request.send().unwrap();
        assert_eq!(response.headers()["www-authenticate"], "ODB-HMAC-SHA256");
        assert_problem(response, 401, "signature-refused")
    };
    refused(signed(
        &s.app,
        (ours.0, "not the secret"),
        (Method::POST, EVENTS),
        &body,
    ));
    let unknown = uuid::Uuid::new_v4().to_string();
    refused(signed(
        &s.app,
        (&unknown, ours.1),
        (Method::POST, EVENTS),
        &body,
    ));
    // signed for another path, or another body
    let now = s.app.clock.now().timestamp();
    let elsewhere = lines(ours.0, now, "POST", "/api/v1/sync/moha/status", &body);
    let other_body = lines(ours.0, now, "POST", EVENTS, b"{\"events\": []}");
    for signed_lines in [elsewhere, other_body] {
        refused(
            s.app
                .anonymous(Method::POST, EVENTS)
                .header("X-ODB-Client", ours.0)
                .header("X-ODB-Timestamp", now.to_string())
                .header("X-ODB-Signature", signature(ours.1, &signed_lines))
                .header("Content-Type", "application/json")
                .body(body.clone()),
        );
    }
    // an old request replayed: outside the five minutes
    let old = s.app.clock.now().timestamp() - 301;
    let stale = s
        .app
        .anonymous(Method::POST, EVENTS)
        .header("X-ODB-Client", ours.0)
        .header("X-ODB-Timestamp", old.to_string())
        .header(
            "X-ODB-Signature",
            signature(ours.1, &lines(ours.0, old, "POST", EVENTS, &body)),
        )
        .header("Content-Type", "application/json")
        .body(body.clone());
    let problem = refused(stale);
    assert!(problem["detail"].as_str().unwrap().contains("300 seconds"));
    // a person's session opens no sync route
    let person = s
        .app
        .request(Method::GET, "/api/v1/sync/moha/status")
        .send()
        .unwrap();
    assert_problem(person, 401, "signature-refused");
    assert_eq!(count(&s, "SELECT count(*) AS n FROM sync_events"), 0);

    let audited = count(
        &s,
        "SELECT count(*) AS n FROM audit_log WHERE action = 'sync.refused' AND outcome = 'failure'",
    );
    assert_eq!(audited, 5, "each refusal naming a client is audited");

    // the X-Road identifier is an alias of the id
    let xroad = "VN/GOV/000.00.00.G09/moha";
    let now = s.app.clock.now().timestamp();
    let response = s
        .app
        .anonymous(Method::POST, EVENTS)
        .header("X-Road-Client", xroad)
        .header("X-ODB-Timestamp", now.to_string())
        .header(
            "X-ODB-Signature",
            signature(ours.1, &lines(xroad, now, "POST", EVENTS, &body)),
        )
        .header("Content-Type", "application/json")
        .body(body.clone())
        .send()
        .unwrap();
    let (status, answer) = json(response);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(outcomes(&answer), ["applied"]);
    // the same signed request again within the window: a duplicate, not a second change
    let again = signed(&s.app, ours, (Method::POST, EVENTS), &body)
        .send()
        .unwrap();
    assert_eq!(outcomes(&json(again).1), ["duplicate"]);
}

#[test]
fn a_rotated_secret_overlaps_the_old_one_and_a_revoked_client_is_refused() {
    let s = setup();
    let old = s.client.secret.clone();
    let rotated = s
        .app
        .as_operator(|ctx| odb::sync::clients::rotate(ctx, "moha", chrono::Duration::hours(1)));
    let status = "/api/v1/sync/moha/status";
    let with = |secret: &str| {
        signed(&s.app, (&s.client.id, secret), (Method::GET, status), b"")
            .send()
            .unwrap()
            .status()
    };
    assert_eq!(
        with(&old),
        200,
        "the previous secret works during the overlap"
    );
    assert_eq!(with(&rotated.secret), 200);
    s.app.clock.advance(chrono::Duration::minutes(61));
    assert_eq!(with(&old), 401, "and not after it");
    assert_eq!(with(&rotated.secret), 200);
    s.app
        .as_operator(|ctx| odb::sync::clients::revoke(ctx, "moha"));
    assert_eq!(with(&rotated.secret), 401);
    // and people never hold the machine role
    let granted = s.app.as_operator(|ctx| {
        Ok(odb::auth::admin::bootstrap_user(
            ctx,
            odb::auth::admin::NewOperatorAccount {
                username: "robot".into(),
                org_code: None,
                roles: vec![odb::auth::model::Role::SyncClient],
            },
        )
        .is_err())
    });
    assert!(granted, "sync_client cannot be granted to an account");
}

#[test]
fn concurrent_batches_apply_each_event_exactly_once() {
    let s = setup();
    let batch: Vec<Value> = (1..=40)
        .map(|n| {
            let code = format!("0010800{n:05}");
            let key = format!("BNV-{n:06}");
            event(
                n,
                (&key, &code),
                ("official.upserted", 1),
                whole(&s.ministry, "Nguyễn Văn Đồng", &code),
            )
        })
        .collect();
    let answers: Vec<Value> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..3).map(|_| scope.spawn(|| send(&s, &batch))).collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    for n in 0..40 {
        let applied = answers
            .iter()
            .filter(|a| a["results"][n]["outcome"] == "applied")
            .count();
        let duplicate = answers
            .iter()
            .filter(|a| a["results"][n]["outcome"] == "duplicate")
            .count();
        assert_eq!((applied, duplicate), (1, 2), "event {n}");
    }
    assert_eq!(count(&s, "SELECT count(*) AS n FROM officials"), 40);
    assert_eq!(count(&s, "SELECT count(*) AS n FROM sync_events"), 40);
}

/// Every change to the administrator's tree, following cursors to the end;
/// returns them with the cursor to resume from.
fn follow(s: &Setup, mut after: Option<String>) -> (Vec<Value>, Option<String>) {
    let mut items = Vec::new();
    loop {
        let query = after
            .as_ref()
            .map_or(String::new(), |a| format!("&after={a}"));
        let (status, page) = json(s.app.get(&format!("/api/v1/changes?limit=3{query}")));
        assert_eq!(status, 200, "{page}");
        let got = page["items"].as_array().unwrap().clone();
        after = page["next_cursor"].as_str().map(str::to_owned);
        if got.is_empty() {
            return (items, after);
        }
        items.extend(got);
    }
}

/// `follow` until at least `n` changes came: a transaction still running
/// anywhere in the cluster (another test's) holds the feed back meanwhile.
fn follow_until(s: &Setup, after: Option<String>, n: usize) -> (Vec<Value>, Option<String>) {
    let (mut items, mut cursor) = follow(s, after);
    // the feed waits for the cluster's oldest running transaction, and
    // other tests share the cluster (a bulk load holds one for seconds)
    for _ in 0..1800 {
        if items.len() >= n {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        let (more, next) = follow(s, cursor);
        items.extend(more);
        cursor = next;
    }
    (items, cursor)
}

#[test]
fn the_change_feed_resumes_from_its_cursor_and_holds_back_running_transactions() {
    let s = setup();
    let (first, cursor) = follow_until(&s, None, 5);
    let organizations: Vec<&Value> = first
        .iter()
        .filter(|c| c["entity"] == "organization")
        .collect();
    assert_eq!(
        organizations.len(),
        5,
        "the root and the four units: {first:?}"
    );
    assert!(first.iter().all(|c| c["kind"] == "created"));

    // a profile changes through the sync, another unit through the API
    let answer = send(
        &s,
        &[event(
            1,
            AN,
            ("official.upserted", 1),
            whole(&s.ministry, "Nguyễn Văn An", AN.1),
        )],
    );
    let an = answer["results"][0]["official_id"].clone();
    let (resumed, cursor) = follow_until(&s, cursor, 1);
    assert_eq!(resumed.len(), 1, "{resumed:?}");
    assert_eq!(resumed[0]["id"], an);
    assert_eq!(resumed[0]["entity"], "official");
    assert_eq!(resumed[0]["version"], 1);

    // a writer still running holds back what later writers commit
    let mut slow = s.app.db.connect();
    diesel::sql_query("BEGIN").execute(&mut slow).unwrap();
    diesel::sql_query("UPDATE organizations SET version = version + 1 WHERE code = 'P01'")
        .execute(&mut slow)
        .unwrap();
    let moved = s.app.patch(
        &format!("/api/v1/organizations/{}", id(&s.ministry)),
        s.ministry["version"].as_i64().unwrap(),
        &json!({"name": "Bộ Nội vụ (mới)"}),
    );
    assert_eq!(moved.status(), 200);
    let (held, same) = follow(&s, cursor.clone());
    assert!(
        held.is_empty(),
        "nothing passes the running writer: {held:?}"
    );
    assert_eq!(same, cursor);
    diesel::sql_query("ROLLBACK").execute(&mut slow).unwrap();
    let (after, _) = follow_until(&s, cursor, 1);
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0]["id"], s.ministry["id"]);
    assert_eq!(after[0]["kind"], "updated");

    // the client follows the same feed over its subtree, signed
    // everything the administrator followed, the client sees over its subtree (the root)
    let seen = (0..3600)
        .map(|_| {
            let feed = get(&s, "/api/v1/sync/moha/changes?limit=500");
            std::thread::sleep(std::time::Duration::from_millis(50));
            feed["items"].as_array().unwrap().len()
        })
        .find(|&n| n >= first.len() + 2);
    assert_eq!(seen, Some(first.len() + 2));
}

#[test]
fn reconciliation_names_what_odb_lacks_holds_besides_or_holds_at_another_version() {
    let s = setup();
    let chi = ("BNV-000003", "001080033333");
    let answer = send(
        &s,
        &[
            event(
                1,
                AN,
                ("official.upserted", 2),
                whole(&s.ministry, "Nguyễn Văn An", AN.1),
            ),
            event(
                2,
                BINH,
                ("official.upserted", 1),
                whole(&s.department, "Trần Thị Bình", BINH.1),
            ),
            event(
                3,
                chi,
                ("official.upserted", 1),
                whole(&s.province, "Lê Thị Chi", chi.1),
            ),
        ],
    );
    assert_eq!(outcomes(&answer), ["applied"; 3]);
    let binh = answer["results"][1]["official_id"].clone();
    // MOHA holds An at version 3, Bình not at all (in its view), Dũng ODB never got
    let body = serde_json::to_vec(&json!({
        "organization_id": id(&s.ministry),
        "entities": [
            {"moha_id": AN.0, "version": 3},
            {"moha_id": "BNV-000004", "version": 1},
        ],
    }))
    .unwrap();
    let client = (s.client.id.as_str(), s.client.secret.as_str());
    let (status, levels) = json(
        signed(
            &s.app,
            client,
            (Method::POST, "/api/v1/sync/moha/reconcile"),
            &body,
        )
        .send()
        .unwrap(),
    );
    assert_eq!(status, 200, "{levels}");
    assert_eq!(
        levels["missing"],
        json!([{"moha_id": "BNV-000004", "moha_version": 1, "odb_version": null, "official_id": null}])
    );
    assert_eq!(
        levels["extra"],
        json!([{"moha_id": BINH.0, "moha_version": null, "odb_version": 1, "official_id": binh}]),
        "the department lies in the ministry's subtree; the province does not"
    );
    assert_eq!(levels["different"][0]["moha_id"], AN.0);
    assert_eq!(levels["different"][0]["odb_version"], 2);
    assert_eq!(levels["different"][0]["moha_version"], 3);
}
