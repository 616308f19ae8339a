//! Table 27 statistics against counts made here from the rows themselves,
//! and exports read back with a CSV and an XLSX reader.

use std::collections::BTreeMap;

use chrono::{Datelike, Duration, NaiveDate};
use diesel::prelude::*;
use serde_json::Value;

use crate::helpers::*;

/// What the test reads of one profile, as the database owner (no scope).
#[derive(Debug, serde::Deserialize)]
pub(crate) struct Person {
    pub(crate) using_organization_id: String,
    pub(crate) classification: String,
    sex: String,
    birth_date: NaiveDate,
    ethnic_group_code: Option<String>,
    rank_code: Option<String>,
    degree_code: Option<String>,
    political_theory_code: Option<String>,
    academic_title_code: Option<String>,
    education_level_code: Option<String>,
    status: String,
    retired_on: Option<NaiveDate>,
    died_on: Option<NaiveDate>,
}

#[derive(QueryableByName)]
struct Json {
    #[diesel(sql_type = diesel::sql_types::Text)]
    json: String,
}

/// Everyone whose using organization lies under `code`'s unit, however
/// they stand.
pub(crate) fn people_under(app: &TestApp, code: &str) -> Vec<Person> {
    let rows: Json = diesel::sql_query(
        "SELECT coalesce(json_agg(row_to_json(x)), '[]')::text AS json FROM (
           SELECT o.using_organization_id, o.classification, o.sex, o.birth_date, o.ethnic_group_code,
                  o.rank_code, o.degree_code, o.political_theory_code, k.academic_title_code,
                  k.education_level_code, o.status, o.retired_on, o.died_on
           FROM officials o
           JOIN organizations u ON u.id = o.using_organization_id
           LEFT JOIN official_career k ON k.official_id = o.id
           WHERE u.path <@ (SELECT path FROM organizations WHERE code = $1)) x",
    )
    .bind::<diesel::sql_types::Text, _>(code)
    .get_result(&mut app.db.connect())
    .unwrap();
    serde_json::from_str(&rows.json).unwrap()
}

pub(crate) fn in_service(p: &Person, date: NaiveDate, today: bool) -> bool {
    if today {
        return p.status == "active";
    }
    p.status != "archived"
        && p.retired_on.is_none_or(|d| d > date)
        && p.died_on.is_none_or(|d| d > date)
        && p.birth_date <= date
}

fn age_band(born: NaiveDate, on: NaiveDate) -> &'static str {
    let mut age = on.year() - born.year();
    if (on.month(), on.day()) < (born.month(), born.day()) {
        age -= 1;
    }
    match age {
        ..30 => "under_30",
        30..40 => "30_39",
        40..50 => "40_49",
        50..60 => "50_59",
        _ => "60_and_over",
    }
}

fn key_of(p: &Person, dimension: &str, date: NaiveDate) -> String {
    let code = |c: &Option<String>| c.clone().unwrap_or_else(|| "unknown".into());
    match dimension {
        "classification" => p.classification.clone(),
        "rank" => code(&p.rank_code),
        "degree" => code(&p.degree_code),
        "academic_title" => code(&p.academic_title_code),
        "education_level" => code(&p.education_level_code),
        "political_theory" => code(&p.political_theory_code),
        "age_band" => age_band(p.birth_date, date).into(),
        "sex" => p.sex.clone(),
        "ethnic_group" => code(&p.ethnic_group_code),
        other => panic!("no dimension {other}"),
    }
}

/// (dimension, code) -> (count, female, ethnic minority), counted here.
pub(crate) type Counts = BTreeMap<(String, String), (i64, i64, i64)>;

pub(crate) fn count_here(
    people: &[Person],
    dimensions: &[&str],
    date: NaiveDate,
    today: bool,
) -> Counts {
    let mut counts = Counts::new();
    for p in people.iter().filter(|p| in_service(p, date, today)) {
        for dimension in dimensions {
            let cell = counts
                .entry((dimension.to_string(), key_of(p, dimension, date)))
                .or_default();
            cell.0 += 1;
            cell.1 += i64::from(p.sex == "female");
            cell.2 += i64::from(p.ethnic_group_code.as_deref() != Some("01"));
        }
    }
    counts
}

pub(crate) fn counts_served(report: &Value) -> Counts {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                (
                    r["dimension"].as_str().unwrap().to_owned(),
                    r["code"].as_str().unwrap().to_owned(),
                ),
                (
                    r["count"].as_i64().unwrap(),
                    r["female"].as_i64().unwrap(),
                    r["ethnic_minority"].as_i64().unwrap(),
                ),
            )
        })
        .collect()
}

pub(crate) const PROFILE_TABLES: &[(&str, &[&str])] = &[
    ("ranks", &["classification", "rank"]),
    (
        "qualifications",
        &["academic_title", "degree", "education_level"],
    ),
    ("political_theory", &["political_theory"]),
    ("age_bands", &["age_band"]),
    ("sex_and_ethnicity", &["sex", "ethnic_group"]),
];

pub(crate) fn org_id(app: &TestApp, code: &str) -> String {
    let (status, org) = json(app.get(&format!("/api/v1/organizations/by-code/{code}")));
    assert_eq!(status, 200, "{org}");
    org["id"].as_str().unwrap().to_owned()
}

pub(crate) fn statistics(app: &TestApp, table: &str, org: &str, extra: &str) -> Value {
    let (status, report) = json(app.get(&format!(
        "/api/v1/statistics/{table}?organization_id={org}{extra}"
    )));
    assert_eq!(status, 200, "{report}");
    report
}

/// The demo tree with generated profiles; some retired a month ago.
pub(crate) fn populated() -> (TestApp, NaiveDate) {
    let app = TestApp::with_demo();
    odb::fixtures::officials::generate(
        &mut app.db.connect(),
        &app.keyring,
        700,
        11,
        app.clock.now(),
        &mut |_| {},
    )
    .unwrap();
    let today = app.clock.today();
    diesel::sql_query(
        "UPDATE officials SET status = 'retired', retired_on = $1
         WHERE id IN (SELECT id FROM officials ORDER BY id LIMIT 40)",
    )
    .bind::<diesel::sql_types::Date, _>(today - Duration::days(30))
    .execute(&mut app.db.connect())
    .unwrap();
    (app, today)
}

#[test]
fn every_statistic_matches_a_count_made_here() {
    let (app, today) = populated();
    assert_every_statistic_counted_here(&app, today);
    let everyone = people_under(&app, "VN");
    let earlier = today - Duration::days(60);
    assert!(
        everyone
            .iter()
            .filter(|p| in_service(p, earlier, false))
            .count()
            > everyone
                .iter()
                .filter(|p| in_service(p, today, true))
                .count(),
        "the retired count a date before they retired"
    );
}

/// Today's tables come from counts kept by triggers: after a second bulk
/// load, updates, transfers, career changes and deletions they still match
/// the rows counted here, on each edge of the age bands too.
#[test]
fn the_kept_counts_follow_every_change() {
    let (app, today) = populated();
    odb::fixtures::officials::generate(
        &mut app.db.connect(),
        &app.keyring,
        60,
        12,
        app.clock.now(),
        &mut |_| {},
    )
    .unwrap();
    let changes = [
        // a rank, a sex and a coded item changed; some codes cleared
        "UPDATE officials SET rank_code = (SELECT max(rank_code) FROM officials),
                sex = CASE sex WHEN 'female' THEN 'male' ELSE 'female' END
         WHERE id IN (SELECT id FROM officials ORDER BY id DESC LIMIT 25)",
        "UPDATE officials SET ethnic_group_code = NULL, political_theory_code = NULL
         WHERE id IN (SELECT id FROM officials ORDER BY id DESC OFFSET 25 LIMIT 10)",
        // birth dates a day either side of each band's edge, and on it
        "UPDATE officials o SET birth_date = ($1::date - make_interval(years => e.a))::date + e.d
         FROM (SELECT id, row_number() OVER (ORDER BY id) AS i
               FROM (SELECT id FROM officials ORDER BY id OFFSET 100 LIMIT 12) y) x,
              (SELECT a, d, row_number() OVER () AS i
               FROM unnest(ARRAY[30, 40, 50, 60]) a, unnest(ARRAY[-1, 0, 1]) d) e
         WHERE o.id = x.id AND x.i = e.i",
        // transfers out of P01 and into it
        "UPDATE officials SET using_organization_id = (SELECT id FROM organizations WHERE code = 'VN')
         WHERE id IN (SELECT o.id FROM officials o JOIN organizations u ON u.id = o.using_organization_id
                      WHERE u.path <@ (SELECT path FROM organizations WHERE code = 'P01')
                      ORDER BY o.id LIMIT 15)",
        "UPDATE officials SET using_organization_id = (SELECT id FROM organizations WHERE code = 'P01')
         WHERE id IN (SELECT id FROM officials ORDER BY id OFFSET 200 LIMIT 15)",
        // one retires, one comes back
        "UPDATE officials SET status = 'retired', retired_on = $1
         WHERE id IN (SELECT id FROM officials WHERE status = 'active' ORDER BY id DESC LIMIT 1)",
        "UPDATE officials SET status = 'active', retired_on = NULL
         WHERE id IN (SELECT id FROM officials WHERE status = 'retired' ORDER BY id LIMIT 1)",
        // careers changed, removed, and one profile removed with its own
        "UPDATE official_career SET academic_title_code = NULL,
                education_level_code = (SELECT max(education_level_code) FROM official_career)
         WHERE official_id IN (SELECT id FROM officials ORDER BY id OFFSET 300 LIMIT 20)",
        "DELETE FROM official_career
         WHERE official_id IN (SELECT id FROM officials ORDER BY id OFFSET 400 LIMIT 5)",
        "DELETE FROM official_records
         WHERE official_id IN (SELECT id FROM officials WHERE status = 'active' ORDER BY id OFFSET 500 LIMIT 2)",
        "DELETE FROM officials
         WHERE id IN (SELECT id FROM officials WHERE status = 'active' ORDER BY id OFFSET 500 LIMIT 2)",
    ];
    let mut conn = app.db.connect();
    for change in changes {
        diesel::sql_query(change)
            .bind::<diesel::sql_types::Date, _>(today)
            .execute(&mut conn)
            .unwrap_or_else(|e| panic!("{change}: {e}"));
    }
    assert_every_statistic_counted_here(&app, today);
    assert_headcounts_counted_here(&app, today, today);
}

/// The staffing table's headcount of each quota unit on the date, against
/// the profiles counted here.
pub(crate) fn assert_headcounts_counted_here(app: &TestApp, today: NaiveDate, date: NaiveDate) {
    let people = people_under(app, "VN");
    let extra = format!("&period=2025&as_of={date}");
    let report = statistics(app, "staffing", &org_id(app, "VN"), &extra);
    let mut counted_somewhere = false;
    for row in report["quotas"].as_array().unwrap() {
        let (Some(unit), Some(current)) =
            (row["organization_id"].as_str(), row["current"].as_i64())
        else {
            continue;
        };
        let here = people
            .iter()
            .filter(|p| p.using_organization_id == unit && p.classification == row["category"])
            .filter(|p| in_service(p, date, date == today))
            .count() as i64;
        counted_somewhere |= here > 0;
        assert_eq!(current, here, "{row} on {date}");
    }
    assert!(
        counted_somewhere,
        "some quota unit employs generated people"
    );
}

/// Each profile table of P01 and the country, today (kept counts) and two
/// months ago (kept changes by date), against the rows counted here.
fn assert_every_statistic_counted_here(app: &TestApp, today: NaiveDate) {
    assert_counted_here_on(app, today, &[today, today - Duration::days(60)]);
}

/// Each profile table of P01 and the country on each date, against the
/// rows counted here with the scan's rule (`in_service`).
pub(crate) fn assert_counted_here_on(app: &TestApp, today: NaiveDate, dates: &[NaiveDate]) {
    for code in ["P01", "VN"] {
        let people = people_under(app, code);
        let org = org_id(app, code);
        for (table, dimensions) in PROFILE_TABLES {
            for &date in dates {
                let extra = if date == today {
                    String::new()
                } else {
                    format!("&as_of={date}")
                };
                let report = statistics(app, table, &org, &extra);
                let expected = count_here(&people, dimensions, date, date == today);
                assert_eq!(
                    counts_served(&report),
                    expected,
                    "{table} of {code} on {date}"
                );
                let total = people
                    .iter()
                    .filter(|p| in_service(p, date, date == today))
                    .count();
                assert_eq!(
                    report["total"].as_u64(),
                    Some(total as u64),
                    "{table} of {code} on {date}"
                );
            }
        }
    }
}

#[test]
fn staffing_shows_the_quota_the_count_and_the_reported_figure() {
    let (app, today) = populated();
    let people = people_under(&app, "VN");
    let report = statistics(&app, "staffing", &org_id(&app, "VN"), "&period=2025");
    assert_eq!(report["period"], "2025");
    assert_eq!(report["rows"], serde_json::json!([]));
    let rows = report["quotas"].as_array().unwrap();
    let units: Vec<&Value> = rows
        .iter()
        .filter(|r| !r["organization_id"].is_null())
        .collect();
    assert_eq!(report["total"].as_u64(), Some(units.len() as u64));
    assert_eq!(units.len(), 134, "every demo quota of 2025");
    let mut counted_somewhere = false;
    for row in &units {
        let unit = row["organization_id"].as_str().unwrap();
        let category = row["category"].as_str().unwrap();
        let here = people
            .iter()
            .filter(|p| p.using_organization_id == unit && p.classification == category)
            .filter(|p| in_service(p, today, true))
            .count() as i64;
        counted_somewhere |= here > 0;
        assert_eq!(row["current"].as_i64(), Some(here), "{row}");
        let assigned = row["assigned"].as_i64().unwrap();
        assert_eq!(row["vacancies"].as_i64(), Some((assigned - here).max(0)));
    }
    assert!(
        counted_somewhere,
        "some quota unit employs generated people"
    );
    // the sums: per section, then for the subtree, per category
    for category in ["cadre", "civil_servant", "public_employee"] {
        let grand = rows
            .iter()
            .find(|r| r["category"] == category && r["section"].is_null())
            .unwrap();
        let sum = |field: &str| -> i64 {
            units
                .iter()
                .filter(|r| r["category"] == category)
                .map(|r| r[field].as_i64().unwrap())
                .sum()
        };
        for field in ["assigned", "current", "reported", "vacancies"] {
            assert_eq!(
                grand[field].as_i64(),
                Some(sum(field)),
                "{category} {field}"
            );
        }
    }
    let reported: BTreeMap<&str, i64> = units
        .iter()
        .filter(|r| r["code"] == "BTCTW")
        .map(|r| {
            (
                r["category"].as_str().unwrap(),
                r["reported"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        reported["cadre"], 175,
        "the unit's own figure, from the demo quotas"
    );
}

#[test]
fn organizations_are_counted_by_section_level_and_type() {
    let app = TestApp::with_demo();
    let report = statistics(&app, "organizations", &org_id(&app, "VN"), "");
    let counts: Counts = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                (
                    r["dimension"].as_str().unwrap().into(),
                    r["code"].as_str().unwrap().into(),
                ),
                (r["count"].as_i64().unwrap(), 0, 0),
            )
        })
        .collect();
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        level: String,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let by_level: Vec<Row> = diesel::sql_query(
        "SELECT level, count(*) AS n FROM organizations
         WHERE status NOT IN ('dissolved', 'merged', 'split') GROUP BY level",
    )
    .load(&mut app.db.connect())
    .unwrap();
    for row in &by_level {
        assert_eq!(
            counts[&("level".into(), row.level.clone())].0,
            row.n,
            "{}",
            row.level
        );
    }
    let total: i64 = by_level.iter().map(|r| r.n).sum();
    assert_eq!(report["total"].as_i64(), Some(total));
    let sections: i64 = counts
        .iter()
        .filter(|((d, _), _)| d == "section")
        .map(|(_, c)| c.0)
        .sum();
    assert_eq!(sections, total);
}

#[test]
fn a_province_reads_its_own_statistics_only() {
    let (app, _) = populated();
    let viewer = app.account("viewer.p01", Some("P01"), &["personnel_viewer"]);
    let (p01, vn) = (org_id(&app, "P01"), org_id(&app, "VN"));
    app.use_token(Some(app.sign_in(&viewer)));
    let own = statistics(&app, "ranks", &p01, "");
    assert_eq!(
        own["total"].as_u64(),
        Some(
            people_under(&app, "P01")
                .iter()
                .filter(|p| p.status == "active")
                .count() as u64
        )
    );
    let problem = assert_problem(
        app.get(&format!("/api/v1/statistics/ranks?organization_id={vn}")),
        422,
        "validation",
    );
    assert_eq!(fields(&problem), ["organization_id"]);
    assert_problem(
        app.get(&format!(
            "/api/v1/statistics/salaries?organization_id={p01}"
        )),
        422,
        "validation",
    );
    // the database refuses too, whatever the service checked
    let mut conn = app.db.connect();
    diesel::sql_query("SET ROLE odb_app")
        .execute(&mut conn)
        .unwrap();
    diesel::sql_query("BEGIN").execute(&mut conn).unwrap();
    diesel::sql_query(
        "SELECT set_config('odb.read_scope', (SELECT path::text FROM organizations WHERE code = 'P01'), true)",
    )
    .execute(&mut conn)
    .unwrap();
    let outside = diesel::sql_query(
        "SELECT * FROM odb_official_statistics((SELECT path FROM organizations WHERE code = 'VN'),
                                               current_date, true, '{rank}')",
    )
    .execute(&mut conn);
    assert!(outside.is_err(), "a subtree outside the scope is refused");
}

pub fn csv_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    assert!(bytes.starts_with("\u{feff}".as_bytes()), "UTF-8 with a BOM");
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(&bytes[3..])
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

pub fn xlsx_rows(bytes: Vec<u8>) -> Vec<Vec<String>> {
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let first = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&first).unwrap();
    range
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    calamine::Data::Float(f) => format!("{f}"),
                    calamine::Data::Empty => String::new(),
                    // days since 1899-12-30, as spreadsheets count
                    calamine::Data::DateTime(d) => (NaiveDate::from_ymd_opt(1899, 12, 30).unwrap()
                        + Duration::days(d.as_f64() as i64))
                    .to_string(),
                    other => other.to_string(),
                })
                .collect()
        })
        .collect()
}

pub fn download(app: &TestApp, path: &str, accept: Option<&str>) -> (String, Vec<u8>) {
    let mut request = app.request(reqwest::Method::GET, path);
    if let Some(accept) = accept {
        request = request.header("Accept", accept);
    }
    let response = request.send().unwrap();
    assert_eq!(response.status(), 200);
    let disposition = response.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    (disposition, response.bytes())
}

#[test]
fn statistics_export_as_csv_and_xlsx_with_the_same_figures() {
    let (app, _) = populated();
    let p01 = org_id(&app, "P01");
    let report = statistics(&app, "sex_and_ethnicity", &p01, "");
    let expected: Vec<Vec<String>> = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            [
                "dimension",
                "code",
                "name",
                "count",
                "female",
                "ethnic_minority",
            ]
            .iter()
            .map(|f| match &r[*f] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect()
        })
        .collect();
    let path = format!("/api/v1/statistics/sex_and_ethnicity?organization_id={p01}");
    let (disposition, csv) = download(&app, &format!("{path}&format=csv"), None);
    assert!(disposition.contains(".csv"), "{disposition}");
    let rows = csv_rows(&csv);
    assert_eq!(rows[0][2], "Tên");
    assert_eq!(rows[1..], expected[..]);
    assert!(
        rows.iter().any(|r| r[2] == "Nữ"),
        "Vietnamese names survive"
    );
    let (_, xlsx) = download(
        &app,
        &path,
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    );
    let sheet = xlsx_rows(xlsx);
    assert_eq!(sheet[0][5], "Dân tộc thiểu số");
    assert_eq!(sheet[1..], expected[..]);
}

#[test]
fn a_list_exports_every_profile_not_a_page() {
    let (app, _) = populated();
    let people = people_under(&app, "VN");
    let active = people.iter().filter(|p| p.status == "active").count();
    assert!(active > 500, "more than one page of the search");
    let (disposition, csv) = download(&app, "/api/v1/officials?format=csv&limit=5", None);
    assert!(
        disposition.contains("danh-sach-can-bo.csv"),
        "{disposition}"
    );
    let rows = csv_rows(&csv);
    assert_eq!(rows[0][2], "Họ và tên");
    assert_eq!(rows.len() - 1, active);
    let ids: std::collections::BTreeSet<&String> = rows[1..].iter().map(|r| &r[0]).collect();
    assert_eq!(ids.len(), active, "no profile twice across pages");
    let (_, xlsx) = download(&app, "/api/v1/officials?format=xlsx&sex=female", None);
    let sheet = xlsx_rows(xlsx);
    let women = people
        .iter()
        .filter(|p| p.status == "active" && p.sex == "female")
        .count();
    assert_eq!(sheet.len() - 1, women);
    assert!(sheet[1..].iter().all(|r| r[3] == "female"));
    // a list that finds nobody is a file with its heading
    let (_, empty) = download(&app, "/api/v1/officials?format=csv&q=khongaico", None);
    assert_eq!(csv_rows(&empty).len(), 1);
    assert_problem(app.get("/api/v1/officials?format=pdf"), 422, "validation");
}
