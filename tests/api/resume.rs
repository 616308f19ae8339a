//! The personnel résumé in the two official layouts, as a page and as a
//! PDF whose text is extracted with poppler's pdftotext (installed by
//! .ci/run): the name with its diacritics, the form's headings, and sealed
//! items only for those who may reveal them.

use std::io::Write;
use std::process::{Command, Stdio};

use base64::Engine;
use serde_json::json;
use sha2::Digest;

use crate::helpers::*;
use crate::officials::{as_editor, create, profile};

const NAME: &str = "Nguyễn Thị Hồng Nhung";
const NAME_UPPER: &str = "NGUYỄN THỊ HỒNG NHUNG";

/// The PDF's text, its runs of white space made single spaces.
fn pdf_text(pdf: &[u8]) -> String {
    let mut child = Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("pdftotext (poppler-utils) is installed");
    child.stdin.take().unwrap().write_all(pdf).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "pdftotext failed");
    String::from_utf8(out.stdout)
        .unwrap()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn resume(app: &TestApp, official: &str, query: &str) -> Response {
    app.get(&format!("/api/v1/officials/{official}/resume?{query}"))
}

fn pdf(app: &TestApp, official: &str, query: &str) -> String {
    let response = resume(app, official, &format!("{query}&format=pdf"));
    assert_eq!(response.status(), 200);
    let headers = response.headers();
    assert_eq!(headers["content-type"], "application/pdf");
    let disposition = headers["content-disposition"].to_str().unwrap().to_owned();
    assert!(
        disposition.starts_with("attachment; filename=\"so-yeu-ly-lich-"),
        "{disposition}"
    );
    let bytes = response.bytes();
    assert!(bytes.starts_with(b"%PDF-"));
    pdf_text(&bytes)
}

/// A profile in HN with a training, a career and a discipline entry,
/// written by an editor who stays signed in.
fn person(app: &TestApp, hanoi: &str) -> String {
    as_editor(app, "editor.resume", None);
    let made = create(app, &profile(hanoi, NAME, "001180077777"));
    let id = id(&made).to_owned();
    let records = [
        json!({"kind": "training", "from_date": "2003-09-01", "to_date": "2007-06-30",
               "data": {"specialty": "Quản lý công", "level": "Đại học",
                        "institution": "Học viện Hành chính Quốc gia"}}),
        json!({"kind": "career", "from_date": "2007-08-01",
               "data": {"organization_name": "Sở Nội vụ Hà Nội", "position": "Chuyên viên"}}),
        json!({"kind": "discipline", "from_date": "2021-06-01",
               "data": {"form": "Khiển trách", "decided_by": "Sở Nội vụ"}}),
    ];
    for record in records {
        let response = app.post(&format!("/api/v1/officials/{id}/records"), &record);
        assert_eq!(response.status(), 201);
    }
    id
}

#[test]
fn a_resume_prints_in_both_layouts_as_a_page_and_a_pdf() {
    let app = TestApp::spawn();
    let t = app.tree(&[("HN", "province", "ROOT"), ("HUE", "province", "ROOT")]);
    let official = person(&app, id(&t["HN"]));
    let viewer = app.account("viewer.resume", Some("HN"), &["personnel_viewer"]);
    app.use_token(Some(app.sign_in(&viewer)));

    let bnv = pdf(&app, &official, "form=2c-bnv-2008");
    for expected in [
        NAME_UPPER,
        "Mẫu 2C-BNV/2008",
        "SƠ YẾU LÝ LỊCH CÁN BỘ, CÔNG CHỨC",
        "Họ và tên khai sinh (viết chữ in hoa)",
        "TÓM TẮT QUÁ TRÌNH CÔNG TÁC",
        "DIỄN BIẾN QUÁ TRÌNH LƯƠNG",
        "Sở Nội vụ Hà Nội",
        "Học viện Hành chính Quốc gia",
        // identity numbers masked, sealed details withheld with a note
        "0123***78",
        "Chi tiết được bảo vệ",
    ] {
        assert!(bnv.contains(expected), "{expected:?} not in {bnv}");
    }
    assert!(!bnv.contains("012345678"), "the card number is masked");
    assert!(
        !bnv.contains("Khiển trách"),
        "discipline details are sealed"
    );

    let tctw = pdf(&app, &official, "form=2c-tctw-98");
    for expected in [
        NAME_UPPER,
        "Mẫu 2C/TCTW-98",
        "SƠ YẾU LÝ LỊCH CÁN BỘ",
        "Họ và tên đang dùng",
        "QUAN HỆ GIA ĐÌNH",
    ] {
        assert!(tctw.contains(expected), "{expected:?} not in {tctw}");
    }
    assert!(!tctw.contains("CÔNG CHỨC Mẫu"), "{tctw}");

    let page = resume(&app, &official, "form=2c-tctw-98");
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    let page = page.text().unwrap();
    assert!(page.contains("size: A4"), "printable on A4");
    // the print stylesheet is allowed by its hash, nothing else loads
    let style = &page[page.find("<style>").unwrap() + 7..page.find("</style>").unwrap()];
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(style));
    assert!(csp.starts_with("default-src 'none'; "), "{csp}");
    assert!(csp.contains(&format!("style-src 'sha256-{hash}'")), "{csp}");
    assert!(page.contains(NAME_UPPER) && page.contains("Mẫu 2C/TCTW-98"));
    assert!(!page.contains("Khiển trách"));

    // the default layout and format: 2C-BNV/2008 as a page
    let page = resume(&app, &official, "").text().unwrap();
    assert!(page.contains("SƠ YẾU LÝ LỊCH CÁN BỘ, CÔNG CHỨC"));

    let problem = assert_problem(resume(&app, &official, "form=2c"), 422, "validation");
    assert_eq!(fields(&problem), ["form"]);
    assert_problem(resume(&app, &official, "format=docx"), 422, "validation");
    // a viewer may not reveal
    assert_problem(resume(&app, &official, "reveal=true"), 403, "forbidden");

    // outside one's scope the profile does not exist
    let other = app.account("viewer.hue", Some("HUE"), &["personnel_viewer"]);
    app.use_token(Some(app.sign_in(&other)));
    assert_problem(resume(&app, &official, "format=pdf"), 404, "not-found");
}

#[test]
fn an_editor_reveals_the_sealed_items_of_a_resume_and_is_audited() {
    let app = TestApp::spawn();
    let t = app.tree(&[("HN", "province", "ROOT")]);
    let official = person(&app, id(&t["HN"]));

    let full = pdf(&app, &official, "form=2c-bnv-2008&reveal=true");
    for expected in ["012345678", "Khiển trách", "Công an Hà Nội"] {
        assert!(full.contains(expected), "{expected:?} not in {full}");
    }
    assert!(!full.contains("Chi tiết được bảo vệ"));

    app.use_token(Some(app.sign_in(&app.admin)));
    let (_, audit) = json(app.get("/api/v1/audit?action=official.reveal"));
    let entries = audit["items"].as_array().unwrap();
    assert!(!entries.is_empty());
    assert!(entries
        .iter()
        .all(|e| e["actor"] == "editor.resume" && e["entity_id"] == official.as_str()));
}
