//! The portal's pages over HTTP, as a browser sends and receives them:
//! cookie flags, CSRF refusals, the Content-Security-Policy, escaping, and
//! the same scope, step-up and versions as the API. The flows in a real
//! browser are in tests/browser/.

use std::cell::RefCell;
use std::collections::BTreeMap;

use chrono::Duration;
use reqwest::blocking::Client;
use reqwest::redirect::Policy;
use serde_json::{json, Value};

use crate::helpers::*;

/// A browser without JavaScript: keeps cookies, follows no redirect.
struct Browser {
    client: Client,
    base: String,
    cookies: RefCell<BTreeMap<String, String>>,
    headers: Vec<(&'static str, &'static str)>,
}

struct Page {
    status: u16,
    location: Option<String>,
    set_cookies: Vec<String>,
    csp: Option<String>,
    body: String,
}

impl Page {
    /// The `csrf_token` of the page's (first) form.
    fn csrf(&self) -> String {
        let marker = "name=\"csrf_token\" value=\"";
        let start = self.body.find(marker).expect("a form with a csrf_token") + marker.len();
        let end = self.body[start..].find('"').unwrap() + start;
        self.body[start..end].to_owned()
    }

    fn cookie(&self, name: &str) -> Option<&String> {
        self.set_cookies
            .iter()
            .find(|c| c.starts_with(&format!("{name}=")))
    }

    /// The hidden `version` of an edit form.
    fn version(&self) -> String {
        let marker = "name=\"version\" value=\"";
        let start = self.body.find(marker).expect("a version field") + marker.len();
        let end = self.body[start..].find('"').unwrap() + start;
        self.body[start..end].to_owned()
    }
}

impl Browser {
    fn new(app: &TestApp) -> Browser {
        Browser {
            client: Client::builder().redirect(Policy::none()).build().unwrap(),
            base: app.base.clone(),
            cookies: RefCell::new(BTreeMap::new()),
            headers: Vec::new(),
        }
    }

    fn send(&self, request: reqwest::blocking::RequestBuilder) -> Page {
        let cookie = self
            .cookies
            .borrow()
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut request = request.header("Cookie", cookie);
        for (name, value) in &self.headers {
            request = request.header(*name, *value);
        }
        let response = request.send().unwrap();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        let set_cookies: Vec<String> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect();
        for cookie in &set_cookies {
            let (pair, _) = cookie.split_once(';').unwrap_or((cookie, ""));
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() {
                self.cookies.borrow_mut().remove(name);
            } else {
                self.cookies
                    .borrow_mut()
                    .insert(name.to_owned(), value.to_owned());
            }
        }
        Page {
            status: response.status().as_u16(),
            location: header("location"),
            csp: header("content-security-policy"),
            set_cookies,
            body: response.text().unwrap(),
        }
    }

    fn get(&self, path: &str) -> Page {
        self.send(self.client.get(format!("{}{path}", self.base)))
    }

    fn post(&self, path: &str, form: &[(&str, &str)]) -> Page {
        self.send(self.client.post(format!("{}{path}", self.base)).form(form))
    }

    /// Password then code, through the portal's forms.
    fn sign_in(&self, app: &TestApp, account: &Account) -> Page {
        let form = self.get("/sign-in");
        let code_page = self.post(
            "/sign-in",
            &[
                ("csrf_token", &form.csrf()),
                ("username", &account.username),
                ("password", &account.password),
            ],
        );
        assert_eq!(code_page.status, 200, "{}", code_page.body);
        let code = app.code(&account.totp_secret);
        let signed_in = self.post(
            "/sign-in/code",
            &[("csrf_token", &code_page.csrf()), ("code", &code)],
        );
        app.clock.advance(Duration::seconds(30));
        signed_in
    }
}

fn profile(org: &Value, name: &str, personal_code: &str) -> Value {
    json!({
        "classification": "civil_servant",
        "managing_organization_id": org["id"],
        "using_organization_id": org["id"],
        "full_name": name,
        "sex": "female",
        "birth_date": "1985-03-09",
        "personal_identification_code": personal_code,
        "current_address": "Số 7 phố Tràng Thi, Hoàn Kiếm, Hà Nội",
        "email": "can.bo@hanoi.gov.vn",
    })
}

fn create(app: &TestApp, body: &Value) -> Value {
    let (status, made) = json(app.post("/api/v1/officials", body));
    assert_eq!(status, 201, "{made}");
    made
}

#[test]
fn an_anonymous_visitor_gets_the_vietnamese_sign_in_page_with_strict_cookies_and_a_csp() {
    let app = TestApp::spawn();
    let browser = Browser::new(&app);
    let start = browser.get("/");
    assert_eq!(start.status, 303);
    assert_eq!(start.location.as_deref(), Some("/sign-in"));

    let page = browser.get("/sign-in");
    assert_eq!(page.status, 200);
    assert!(page.body.starts_with("<!DOCTYPE html><html lang=\"vi\">"));
    assert!(page.body.contains("<h1>Đăng nhập</h1>"), "{}", page.body);
    let csp = page.csp.clone().unwrap();
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(directive), "{csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(!page.body.contains("<script>") && !page.body.contains("style="));
    let key = page.cookie("odb_browser").unwrap();
    assert!(key.contains("; HttpOnly") && key.contains("; SameSite=Strict"));
    assert!(!key.contains("Secure"), "plain HTTP: {key}");
    assert!(!page.csrf().is_empty());

    // English when chosen, kept in a cookie
    let chosen = browser.post(
        "/language",
        &[
            ("csrf_token", &page.csrf()),
            ("lang", "en"),
            ("next", "/sign-in"),
        ],
    );
    assert_eq!(chosen.location.as_deref(), Some("/sign-in"));
    let english = browser.get("/sign-in");
    assert!(english
        .body
        .starts_with("<!DOCTYPE html><html lang=\"en\">"));
    assert!(english.body.contains("<h1>Sign in</h1>"));

    let css = browser.get("/static/portal.css");
    assert_eq!(css.status, 200);
    assert!(css.body.contains("@media print"));
}

#[test]
fn forms_without_their_token_are_refused_and_sign_in_sets_a_strict_session_cookie() {
    let app = TestApp::spawn();
    let officer = app.account("an.nguyen", None, &["personnel_viewer"]);
    let browser = Browser::new(&app);
    let form = browser.get("/sign-in");
    let foreign = odb::portal::cookies::csrf_token("another browser's key");
    for token in ["", "forged", foreign.as_str()] {
        let refused = browser.post(
            "/sign-in",
            &[
                ("csrf_token", token),
                ("username", &officer.username),
                ("password", &officer.password),
            ],
        );
        assert_eq!(refused.status, 403, "token {token:?}");
        assert!(refused.body.contains("Biểu mẫu đã hết hạn"));
    }

    let wrong = browser.post(
        "/sign-in",
        &[
            ("csrf_token", &form.csrf()),
            ("username", &officer.username),
            ("password", "not the password"),
        ],
    );
    assert_eq!(wrong.status, 401);
    assert!(wrong
        .body
        .contains("Tên đăng nhập hoặc mật khẩu không đúng."));
    assert!(wrong
        .body
        .contains(&format!("value=\"{}\"", officer.username)));

    let signed_in = browser.sign_in(&app, &officer);
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    assert_eq!(signed_in.location.as_deref(), Some("/"));
    let session = signed_in.cookie("odb_session").unwrap();
    assert!(session.contains("; HttpOnly") && session.contains("; SameSite=Strict"));
    assert!(signed_in
        .cookie("odb_sign_in")
        .unwrap()
        .contains("Max-Age=0"));
    let start = browser.get("/");
    assert_eq!(start.status, 200);
    assert!(start.body.contains("Xin chào, an.nguyen."));

    // signing out is a form too
    let forged = browser.post("/sign-out", &[("csrf_token", &form.csrf())]);
    assert_eq!(forged.status, 403);
    assert_eq!(browser.get("/").status, 200, "still signed in");
    let out = browser.post("/sign-out", &[("csrf_token", &start.csrf())]);
    assert_eq!(out.location.as_deref(), Some("/sign-in"));
    assert!(out.cookie("odb_session").unwrap().contains("Max-Age=0"));
    assert_eq!(browser.get("/").status, 303);
}

#[test]
fn cookies_are_secure_when_a_trusted_proxy_says_the_browser_used_tls() {
    let proxied = TestApp::behind_proxy();
    let mut browser = Browser::new(&proxied);
    browser.headers = vec![("X-Forwarded-Proto", "https")];
    let page = browser.get("/sign-in");
    assert!(page.cookie("odb_browser").unwrap().ends_with("; Secure"));

    // from a peer that is not a trusted proxy the header proves nothing
    let direct = TestApp::spawn();
    let mut browser = Browser::new(&direct);
    browser.headers = vec![("X-Forwarded-Proto", "https")];
    let page = browser.get("/sign-in");
    assert!(!page.cookie("odb_browser").unwrap().contains("Secure"));
}

#[test]
fn a_first_sign_in_enrolls_the_authenticator_and_shows_the_recovery_codes_once() {
    let app = TestApp::spawn();
    let (status, created) = json(app.post(
        "/api/v1/users",
        &json!({"username": "moi.vao", "display_name": "Người mới", "home_organization_id": app.root["id"]}),
    ));
    assert_eq!(status, 201, "{created}");
    let password = created["initial_password"].as_str().unwrap();
    let browser = Browser::new(&app);
    let form = browser.get("/sign-in");
    let enroll = browser.post(
        "/sign-in",
        &[
            ("csrf_token", &form.csrf()),
            ("username", "moi.vao"),
            ("password", password),
        ],
    );
    assert_eq!(enroll.status, 200);
    assert!(enroll.body.contains("src=\"data:image/png;base64,"));
    // the key, in groups of four, for typing by hand
    let marker = "<p class=\"secret\">";
    let start = enroll.body.find(marker).unwrap() + marker.len();
    let end = enroll.body[start..].find('<').unwrap() + start;
    let secret = enroll.body[start..end].replace(' ', "");
    let done = browser.post(
        "/sign-in/code",
        &[("csrf_token", &enroll.csrf()), ("code", &app.code(&secret))],
    );
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.cookie("odb_session").is_some());
    assert_eq!(done.body.matches("<li>").count(), 10, "ten recovery codes");
    assert!(done.body.contains("Các mã này chỉ hiện một lần này."));
}

#[test]
fn what_people_typed_is_escaped_on_every_page() {
    let app = TestApp::spawn();
    let t = app.tree(&[("HN", "province", "ROOT")]);
    let name = "<script>alert('x')</script> Nguyễn Thị Hoa";
    let made = create(&app, &profile(&t["HN"], name, "001185012345"));
    let browser = Browser::new(&app);
    browser.sign_in(&app, &app.admin);
    let id = made["id"].as_str().unwrap();
    for path in [
        "/officials?q=hoa".to_owned(),
        format!("/officials/{id}"),
        format!("/officials/{id}/print"),
        format!("/officials/{id}/resume?form=2c-tctw-98"),
        format!("/officials/{id}/history"),
    ] {
        let page = browser.get(&path);
        assert_eq!(page.status, 200, "{path}");
        assert!(
            page.body
                .contains("&lt;script&gt;alert('x')&lt;/script&gt; Nguyễn Thị Hoa"),
            "{path}: {}",
            page.body
        );
        assert!(!page.body.contains("<script>alert"), "{path}");
    }
    // the profile links to the résumé as a PDF, which the session downloads
    let profile = browser.get(&format!("/officials/{id}"));
    let link = format!("/officials/{id}/resume?form=2c-bnv-2008&amp;format=pdf");
    assert!(profile.body.contains(&link), "{}", profile.body);
    let pdf = browser.get(&link.replace("&amp;", "&"));
    assert_eq!(pdf.status, 200);
    assert!(pdf.body.starts_with("%PDF-"));
}

#[test]
fn a_profile_outside_ones_scope_is_refused_as_not_found() {
    let app = TestApp::spawn();
    let t = app.tree(&[("HN", "province", "ROOT"), ("HUE", "province", "ROOT")]);
    let elsewhere = create(&app, &profile(&t["HUE"], "Lê Văn Tám", "046180054321"));
    let viewer = app.account("viewer.hn", Some("HN"), &["personnel_viewer"]);
    let browser = Browser::new(&app);
    browser.sign_in(&app, &viewer);
    let id = elsewhere["id"].as_str().unwrap();
    for path in [
        format!("/officials/{id}"),
        format!("/officials/{id}/print"),
        format!("/officials/{id}/resume?format=pdf"),
        format!("/officials/{id}/history"),
        "/officials/not-an-id".to_owned(),
    ] {
        let page = browser.get(&path);
        assert_eq!(page.status, 404, "{path}");
        assert!(page.body.contains("<h1>Không tìm thấy</h1>"), "{path}");
        assert!(!page.body.contains("Lê Văn Tám"));
    }
    let search = browser.get("/officials?q=le+van+tam");
    assert!(search.body.contains("Không tìm thấy hồ sơ nào."));
    // a viewer has no edit form at all
    let edit = browser.get(&format!("/officials/{id}/edit/contact"));
    assert_eq!(edit.status, 403);
}

#[test]
fn an_edit_shows_refused_values_beside_their_fields_and_needs_the_current_version() {
    let app = TestApp::spawn();
    let t = app.tree(&[("HN", "province", "ROOT")]);
    let made = create(&app, &profile(&t["HN"], "Phạm Thu Trang", "001185099999"));
    let id = made["id"].as_str().unwrap();
    let editor = app.account("editor.hn", Some("HN"), &["personnel_editor"]);
    let browser = Browser::new(&app);
    browser.sign_in(&app, &editor);
    let path = format!("/officials/{id}/edit/contact");
    let form = browser.get(&path);
    assert_eq!(form.status, 200);
    assert!(form
        .body
        .contains("<label for=\"f-current-address\">Nơi ở hiện nay</label>"));
    assert!(
        form.body.contains("Số 7 phố Tràng Thi") && !form.body.contains("***"),
        "the contact form holds the values in full"
    );
    let version = form.version();
    let submit = |address: &str, email: &str, version: &str, token: &str| {
        browser.post(
            &path,
            &[
                ("csrf_token", token),
                ("version", version),
                ("current_address", address),
                ("phone", ""),
                ("email", email),
            ],
        )
    };

    let refused = submit("Số 1 Hàng Bài", "không phải thư", &version, &form.csrf());
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("id=\"f-email-error\""));
    assert!(refused.body.contains("Thư điện tử không đúng dạng"));
    assert!(refused.body.contains("aria-invalid=\"true\""));
    assert!(
        refused.body.contains("value=\"không phải thư\""),
        "typed values stay"
    );
    let revealed = format!("/api/v1/officials/{id}?reveal=true");
    let (_, stored) = json(app.get(&revealed));
    assert_eq!(
        stored["current_address"], "Số 7 phố Tràng Thi, Hoàn Kiếm, Hà Nội",
        "nothing written"
    );

    let forged = submit("Số 1 Hàng Bài", "", &version, "forged");
    assert_eq!(forged.status, 403);

    let saved = submit("Số 1 Hàng Bài, Hoàn Kiếm", "", &version, &form.csrf());
    assert_eq!(saved.status, 303, "{}", saved.body);
    assert_eq!(
        saved.location.as_deref(),
        Some(format!("/officials/{id}?reveal=true&saved=contact#section-contact").as_str()),
        "back to the profile revealed: the form proved the second factor"
    );
    let (_, stored) = json(app.get(&revealed));
    assert_eq!(stored["current_address"], "Số 1 Hàng Bài, Hoàn Kiếm");
    let shown = browser.get(&format!("/officials/{id}?reveal=true&saved=contact"));
    assert_eq!(shown.status, 200);
    assert!(shown.body.contains("Đã lưu phần “Nơi ở và liên lạc”."));
    assert!(shown.body.contains("Số 1 Hàng Bài, Hoàn Kiếm"));
    assert_eq!(stored["email"], Value::Null);
    let (_, audit) = json(app.get("/api/v1/audit?action=official.update"));
    let entry = &audit["items"][0];
    assert_eq!(entry["actor"], "editor.hn");
    assert_eq!(entry["fields"], json!(["current_address", "email"]));

    // the same form again, from the version before the save
    let stale = submit("Số 3 Hàng Bài", "", &version, &form.csrf());
    assert_eq!(stale.status, 412);
    assert!(stale.body.contains("Người khác vừa sửa hồ sơ này"));
    assert!(
        stale.body.contains("Số 1 Hàng Bài, Hoàn Kiếm"),
        "the latest data"
    );
}

#[test]
fn the_contact_form_holds_the_values_in_full_only_after_a_step_up_and_is_audited() {
    let app = TestApp::spawn();
    let t = app.tree(&[("HN", "province", "ROOT")]);
    let made = create(&app, &profile(&t["HN"], "Đỗ Hải Yến", "001185055555"));
    let id = made["id"].as_str().unwrap();
    let editor = app.account("editor.contact", Some("HN"), &["personnel_editor"]);
    let browser = Browser::new(&app);
    browser.sign_in(&app, &editor);
    let masked = browser.get(&format!("/officials/{id}"));
    assert!(
        !masked.body.contains("Số 7 phố Tràng Thi"),
        "masked on the profile"
    );
    assert!(masked.body.contains("c***@hanoi.gov.vn"));

    app.clock.advance(Duration::minutes(16));
    let path = format!("/officials/{id}/edit/contact");
    let asked = browser.get(&path);
    assert_eq!(asked.status, 303);
    let location = asked.location.unwrap();
    assert_eq!(location, format!("/step-up?next={path}"));
    let step_up = browser.get(&location);
    let proved = browser.post(
        "/step-up",
        &[
            ("csrf_token", &step_up.csrf()),
            ("next", &path),
            ("code", &app.code(&editor.totp_secret)),
        ],
    );
    assert_eq!(proved.location.as_deref(), Some(path.as_str()));
    let form = browser.get(&path);
    assert_eq!(form.status, 200);
    assert!(form.body.contains("Số 7 phố Tràng Thi, Hoàn Kiếm, Hà Nội"));
    assert!(form.body.contains("value=\"can.bo@hanoi.gov.vn\""));

    let (_, audit) = json(app.get("/api/v1/audit?action=official.reveal"));
    let entry = &audit["items"][0];
    assert_eq!(entry["actor"], "editor.contact");
    assert_eq!(entry["entity_id"], id);
    let fields = entry["fields"].as_array().unwrap();
    assert!(fields.contains(&json!("current_address")) && fields.contains(&json!("email")));
}

#[test]
fn identity_numbers_are_shown_in_full_only_after_a_step_up() {
    let app = TestApp::spawn();
    let t = app.tree(&[("HN", "province", "ROOT")]);
    let made = create(&app, &profile(&t["HN"], "Vũ Minh Khoa", "001185077777"));
    let id = made["id"].as_str().unwrap();
    let editor = app.account("editor.reveal", Some("HN"), &["personnel_editor"]);
    let browser = Browser::new(&app);
    browser.sign_in(&app, &editor);
    let masked = browser.get(&format!("/officials/{id}"));
    assert!(masked.body.contains("0011******77"));
    assert!(!masked.body.contains("001185077777"));

    app.clock.advance(Duration::minutes(16));
    let reveal = format!("/officials/{id}?reveal=true");
    let asked = browser.get(&reveal);
    assert_eq!(asked.status, 303);
    let location = asked.location.unwrap();
    assert_eq!(
        location,
        format!("/step-up?next=/officials/{id}%3Freveal%3Dtrue")
    );
    let form = browser.get(&location);
    let wrong = browser.post(
        "/step-up",
        &[
            ("csrf_token", &form.csrf()),
            ("next", &reveal),
            ("code", "000000"),
        ],
    );
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("id=\"f-code-error\""));
    let proved = browser.post(
        "/step-up",
        &[
            ("csrf_token", &form.csrf()),
            ("next", &reveal),
            ("code", &app.code(&editor.totp_secret)),
        ],
    );
    assert_eq!(proved.location.as_deref(), Some(reveal.as_str()));
    let shown = browser.get(&reveal);
    assert_eq!(shown.status, 200);
    assert!(shown.body.contains("001185077777"));
}

/// The first `/party/{kind}/<id>` link of a page.
fn first_link(page: &Page, kind: &str) -> String {
    let marker = format!("href=\"/party/{kind}/");
    let start = page.body.find(&marker).expect("a link") + marker.len();
    page.body[start..start + 36].to_owned()
}

/// `11/01/2026`: how a person types a date.
fn typed(date: chrono::NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

#[test]
fn a_hanoi_party_officer_transfers_a_member_whom_bac_ninh_accepts_from_its_start_page() {
    let app = TestApp::with_demo();
    let hanoi = app.account("hanoi.party", Some("P01"), &["party_editor"]);
    let bacninh = app.account("bacninh.party", Some("P27"), &["party_editor"]);
    let sender = Browser::new(&app);
    sender.sign_in(&app, &hanoi);
    let found = sender.get("/party/members?q=tran+thi+binh");
    assert_eq!(found.status, 200, "{}", found.body);
    assert!(found.body.contains("Trần Thị Bình"), "{}", found.body);
    let member = first_link(&found, "members");
    let path = format!("/party/members/{member}/transfer");
    let form = sender.get(&path);
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form
        .body
        .contains("<label for=\"f-to-party-organization-code\">Mã chi bộ nơi đến"));
    let today = app.clock.today();
    let submit = |code: &str, on: &str, token: &str| {
        sender.post(
            &path,
            &[
                ("csrf_token", token),
                ("version", &form.version()),
                ("to_party_organization_code", code),
                ("issued_on", on),
                ("decision_number", "45-GGT/ĐU"),
                ("issuing_body", "Đảng ủy phường Hoàn Kiếm <b>"),
            ],
        )
    };
    let forged = submit("CB-P27-TIENDU-PHATTICH-2025-2", &typed(today), "forged");
    assert_eq!(forged.status, 403);
    let not_a_date = submit("CB-P27-TIENDU-PHATTICH-2025-2", "hôm qua", &form.csrf());
    assert_eq!(not_a_date.status, 422);
    assert!(not_a_date.body.contains("id=\"f-issued-on-error\""));
    assert!(
        not_a_date.body.contains("value=\"hôm qua\""),
        "typed values stay"
    );
    let unknown = submit("KHONG-CO-MA-NAY", &typed(today), &form.csrf());
    assert_eq!(unknown.status, 422, "{}", unknown.body);
    assert!(unknown
        .body
        .contains("id=\"f-to-party-organization-code-error\""));
    assert!(unknown
        .body
        .contains("Không có chi bộ đang hoạt động nào có mã này."));
    let issued = submit("CB-P27-TIENDU-PHATTICH-2025-2", &typed(today), &form.csrf());
    assert_eq!(issued.status, 303, "{}", issued.body);
    let location = issued.location.unwrap();
    assert!(location.ends_with("?done=transfer"), "{location}");
    let transfer_page = sender.get(&location);
    assert!(transfer_page.body.contains("Chờ cấp ủy nơi đến tiếp nhận"));
    assert!(
        transfer_page
            .body
            .contains("Đảng ủy phường Hoàn Kiếm &lt;b&gt;"),
        "escaped"
    );
    assert!(
        !transfer_page.body.contains("accepted_on"),
        "the sending side has no acceptance form"
    );
    let again = submit("CB-P27-TIENDU-PHATTICH-2025-2", &typed(today), &form.csrf());
    assert_eq!(again.status, 409, "one open transfer at a time");
    assert!(again.body.contains("chưa hoàn tất"), "{}", again.body);

    let receiver = Browser::new(&app);
    receiver.sign_in(&app, &bacninh);
    let start = receiver.get("/");
    assert!(start
        .body
        .contains("Chuyển sinh hoạt đảng chờ bạn tiếp nhận"));
    assert!(start.body.contains("Trần Thị Bình"));
    let transfer = location.split('?').next().unwrap().to_owned();
    assert!(start.body.contains(&format!("href=\"{transfer}\"")));
    let page = receiver.get(&transfer);
    assert!(page.body.contains("name=\"accepted_on\""), "{}", page.body);
    let accept = |on: &str| {
        receiver.post(
            &format!("{transfer}/accept"),
            &[
                ("csrf_token", &page.csrf()),
                ("version", "1"),
                ("accepted_on", on),
                ("decision_number", "3-TN/ĐU"),
                ("accepting_body", "Đảng ủy xã Phật Tích"),
            ],
        )
    };
    let early = accept(&typed(today - chrono::Duration::days(1)));
    assert_eq!(early.status, 422, "{}", early.body);
    assert!(early.body.contains("id=\"f-accepted-on-error\""));
    assert!(early.body.contains("Không được trước ngày chuyển."));
    let accepted = accept(&typed(today));
    assert_eq!(accepted.status, 303, "{}", accepted.body);
    let record = receiver.get(accepted.location.as_deref().unwrap());
    assert_eq!(record.status, 200);
    assert!(record.body.contains("Đã tiếp nhận đảng viên chuyển đến."));
    assert!(record.body.contains("Chi bộ khu dân cư số 2"));
    assert!(record.body.contains("Chuyển sinh hoạt đến"), "the story");

    let gone = sender.get(&format!("/party/members/{member}"));
    assert_eq!(gone.status, 404, "no longer Hà Nội's");
    let (_, audit) = json(app.get("/api/v1/audit?action=party_transfer.accept"));
    assert_eq!(audit["items"][0]["actor"], "bacninh.party");
    let (_, issued) = json(app.get("/api/v1/audit?action=party_transfer.issue"));
    assert_eq!(issued["items"][0]["actor"], "hanoi.party");
}

#[test]
fn the_party_tree_and_a_members_story_are_read_as_of_a_date_and_refused_outside_scope() {
    let app = TestApp::with_demo();
    let hanoi = app.account("hanoi.viewer", Some("P01"), &["party_viewer"]);
    let browser = Browser::new(&app);
    browser.sign_in(&app, &hanoi);
    let tree = browser.get("/party");
    assert_eq!(tree.status, 200, "{}", tree.body);
    assert!(tree.body.contains("Đảng bộ"), "{}", tree.body);
    let then = browser.get("/party?as_of=30/06/2025");
    assert_eq!(then.status, 200);
    assert!(then.body.contains("Tổ chức tại ngày 30/06/2025."));
    let bad = browser.get("/party?as_of=h%C3%B4m+qua");
    assert!(bad.body.contains("id=\"f-as-of-error\""));
    let unit = first_link(&tree, "units");
    let page = browser.get(&format!("/party/units/{unit}"));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Mã tổ chức đảng"));
    assert!(
        !page.body.contains("/admit\""),
        "a viewer is offered no admission"
    );

    let found = browser.get("/party/members?q=tran+thi+binh");
    let member = first_link(&found, "members");
    let record = browser.get(&format!("/party/members/{member}"));
    assert_eq!(record.status, 200);
    assert!(record.body.contains("Quá trình sinh hoạt đảng"));
    assert!(record.body.contains("Kết nạp"));
    assert!(
        !record.body.contains("Chuyển sinh hoạt đảng</a>"),
        "no actions for a viewer"
    );
    let form = browser.get(&format!("/party/members/{member}/transfer"));
    assert_eq!(form.status, 403, "a viewer has no decision forms");

    // Bắc Ninh's officer neither sees nor acts on Hà Nội's member
    let bacninh = app.account("bacninh.viewer", Some("P27"), &["party_editor"]);
    let other = Browser::new(&app);
    other.sign_in(&app, &bacninh);
    for path in [
        format!("/party/members/{member}"),
        format!("/party/members/{member}/recognize"),
        format!("/party/units/{unit}"),
        "/party/members/not-an-id".to_owned(),
    ] {
        let page = other.get(&path);
        assert_eq!(page.status, 404, "{path}");
        assert!(!page.body.contains("Trần Thị Bình"));
    }
    let search = other.get("/party/members?q=tran+thi+binh");
    assert!(search.body.contains("Không tìm thấy đảng viên nào."));
}

#[test]
fn a_committee_admits_recognizes_exempts_and_records_a_death_through_forms() {
    let app = TestApp::with_demo();
    let hanoi = app.account("hanoi.cell", Some("P01"), &["party_editor"]);
    let browser = Browser::new(&app);
    browser.sign_in(&app, &hanoi);
    let found = browser.get("/party/members?q=tran+thi+binh");
    let record = browser.get(&format!("/party/members/{}", first_link(&found, "members")));
    let cell = first_link(&record, "units");
    let path = format!("/party/units/{cell}/admit");
    let form = browser.get(&path);
    assert_eq!(form.status, 200, "{}", form.body);
    let today = app.clock.today();
    let admitted = typed(today - chrono::Duration::days(400));
    let admit = |sex: &str, code: &str| {
        browser.post(
            &path,
            &[
                ("csrf_token", &form.csrf()),
                ("full_name", "Lê Thị Mai"),
                ("birth_date", "12/03/1990"),
                ("sex", sex),
                ("personal_identification_code", code),
                ("admitted_on", &admitted),
                ("decision_number", "12-QĐ/ĐU"),
                ("deciding_body", "Đảng ủy phường Hoàn Kiếm"),
            ],
        )
    };
    let missing = admit("", "001190012345");
    assert_eq!(missing.status, 422);
    assert!(missing.body.contains("id=\"f-sex-error\""));
    assert!(missing.body.contains("Mục này bắt buộc."));
    let short = admit("female", "12345");
    assert_eq!(short.status, 422, "{}", short.body);
    assert!(short
        .body
        .contains("id=\"f-personal-identification-code-error\""));
    assert!(short.body.contains("Gồm 12 chữ số."));
    let made = admit("female", "001190012345");
    assert_eq!(made.status, 303, "{}", made.body);
    let location = made.location.unwrap();
    assert!(location.ends_with("?done=admit"), "{location}");
    let member = location
        .trim_start_matches("/party/members/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let shown = browser.get(&location);
    assert!(shown.body.contains("Đã kết nạp đảng viên."));
    assert!(shown.body.contains("Dự bị"));
    let twice = admit("female", "001190012345");
    assert_eq!(twice.status, 409, "the same person is never two members");
    assert!(twice.body.contains("Người này đã có hồ sơ đảng viên"));

    let start = browser.get("/");
    assert!(start
        .body
        .contains("Đảng viên dự bị đã đủ 12 tháng, chờ xét công nhận chính thức"));
    let recognize = format!("/party/members/{member}/recognize");
    assert!(start.body.contains(&format!("href=\"{recognize}\"")));

    // each step from its form, the version the form was made from
    let step = |slug: &str, fields: &[(&str, &str)]| {
        let path = format!("/party/members/{member}/{slug}");
        let form = browser.get(&path);
        assert_eq!(form.status, 200, "{slug}: {}", form.body);
        let mut sent = vec![("csrf_token", form.csrf()), ("version", form.version())];
        sent.extend(fields.iter().map(|(k, v)| (*k, v.to_string())));
        let sent: Vec<(&str, &str)> = sent.iter().map(|(k, v)| (*k, v.as_str())).collect();
        browser.post(&path, &sent)
    };
    let decision = [
        ("decision_number", "20-QĐ/ĐU"),
        ("deciding_body", "Đảng ủy phường Hoàn Kiếm"),
    ];
    let early = typed(today - chrono::Duration::days(100));
    let with = |extra: &[(&'static str, &str)]| -> Vec<(&'static str, String)> {
        extra
            .iter()
            .chain(decision.iter())
            .map(|(k, v)| (*k, v.to_string()))
            .collect()
    };
    let send = |slug: &str, fields: Vec<(&'static str, String)>| {
        let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        step(slug, &borrowed)
    };
    let too_soon = send("recognize", with(&[("official_on", &early)]));
    assert_eq!(too_soon.status, 422);
    assert!(too_soon
        .body
        .contains("Phải sau ngày kết nạp ít nhất 12 tháng"));
    let recognized = send("recognize", with(&[("official_on", &typed(today))]));
    assert_eq!(recognized.status, 303, "{}", recognized.body);
    assert!(browser
        .get(recognized.location.as_deref().unwrap())
        .body
        .contains("Đã công nhận đảng viên chính thức."));

    let no_reason = send(
        "exemption",
        with(&[("reason", "lazy"), ("from_on", &typed(today))]),
    );
    assert_eq!(no_reason.status, 422);
    assert!(no_reason.body.contains("Chọn một giá trị trong danh sách."));
    let exempted = send(
        "exemption",
        with(&[("reason", "health"), ("from_on", &typed(today))]),
    );
    assert_eq!(exempted.status, 303, "{}", exempted.body);
    let record = browser.get(&format!("/party/members/{member}"));
    assert!(record.body.contains("Sức khỏe"));
    assert!(record.body.contains("Miễn sinh hoạt"));
    assert!(record
        .body
        .contains(&format!("href=\"/party/members/{member}/distinction\"")));

    let distinction = |kind: &str, decided_on: &str| {
        step(
            "distinction",
            &[
                ("kind", kind),
                ("decided_on", decided_on),
                ("decision_number", "05-QĐ/ĐU"),
                ("deciding_body", "Đảng ủy phường Hoàn Kiếm"),
                ("form", "Giấy khen <xuất sắc>"),
            ],
        )
    };
    let future = distinction("reward", &typed(today + chrono::Duration::days(2)));
    assert_eq!(future.status, 422, "{}", future.body);
    assert!(future.body.contains("id=\"f-decided-on-error\""));
    assert!(
        future.body.contains("Giấy khen &lt;xuất sắc&gt;"),
        "what was typed stays"
    );
    assert_eq!(distinction("medal", &typed(today)).status, 422);
    let rewarded = distinction("reward", &typed(today));
    assert_eq!(rewarded.status, 303, "{}", rewarded.body);
    let record = browser.get(rewarded.location.as_deref().unwrap());
    assert!(record
        .body
        .contains("Đã ghi quyết định khen thưởng, kỷ luật."));
    assert!(
        record
            .body
            .contains("Khen thưởng: Giấy khen &lt;xuất sắc&gt;"),
        "{}",
        record.body
    );

    let died = send("death", with(&[("effective_on", &typed(today))]));
    assert_eq!(
        died.status, 422,
        "the same day as the last period: {}",
        died.body
    );
    assert!(died
        .body
        .contains("ngày bắt đầu giai đoạn sinh hoạt hiện tại"));
    app.clock.advance(chrono::Duration::days(1));
    browser.sign_in(&app, &hanoi);
    let later = typed(app.clock.today());
    let died = send("death", with(&[("effective_on", &later)]));
    assert_eq!(died.status, 303, "{}", died.body);
    let removed = send("remove", with(&[("effective_on", &later)]));
    assert_eq!(removed.status, 409);
    assert!(removed.body.contains("Người này không còn là đảng viên."));
    // the day's wait ended the administrator's API session too
    let token = app.sign_in(&app.admin);
    app.use_token(Some(token));
    let (_, audit) = json(app.get("/api/v1/audit?action=party_member.death"));
    assert_eq!(audit["items"][0]["actor"], "hanoi.cell");
}

#[test]
fn an_administrator_creates_an_account_grants_and_revokes_a_role_and_sets_a_policy() {
    let app = TestApp::spawn();
    app.tree(&[("HN", "province", "ROOT")]);
    let browser = Browser::new(&app);
    browser.sign_in(&app, &app.admin);
    let list = browser.get("/admin/users");
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(list.body.contains(">admin</a>"));
    let form = browser.get("/admin/users/new");
    let create = |username: &str, code: &str| {
        browser.post(
            "/admin/users/new",
            &[
                ("csrf_token", &form.csrf()),
                ("username", username),
                ("display_name", "Nguyễn Văn <An>"),
                ("organization_code", code),
            ],
        )
    };
    let unknown = create("an.nguyen", "KHONG-CO");
    assert_eq!(unknown.status, 422);
    assert!(unknown.body.contains("id=\"f-organization-code-error\""));
    assert!(unknown
        .body
        .contains("Không có đơn vị có mã này trong phạm vi của bạn."));
    let bad = create("An Nguyen", "HN");
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert!(bad.body.contains("id=\"f-username-error\""));
    let created = create("an.nguyen", "HN");
    assert_eq!(created.status, 201, "{}", created.body);
    assert!(created.body.contains("Mật khẩu ban đầu"));
    let (_, users) = json(app.get("/api/v1/users"));
    let made = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "an.nguyen")
        .unwrap()
        .clone();
    assert_eq!(made["display_name"], "Nguyễn Văn <An>");
    let id = made["id"].as_str().unwrap();
    let page = browser.get(&format!("/admin/users/{id}"));
    assert!(page.body.contains("Nguyễn Văn &lt;An&gt;"), "escaped");

    let path = format!("/admin/users/{id}/grants/new");
    let grant_form = browser.get(&path);
    assert_eq!(grant_form.status, 200, "{}", grant_form.body);
    let no_role = browser.post(
        &path,
        &[
            ("csrf_token", &grant_form.csrf()),
            ("role", "king"),
            ("organization_code", "HN"),
        ],
    );
    assert_eq!(no_role.status, 422);
    assert!(no_role.body.contains("id=\"f-role-error\""));
    let granted = browser.post(
        &path,
        &[
            ("csrf_token", &grant_form.csrf()),
            ("role", "personnel_viewer"),
            ("organization_code", "HN"),
        ],
    );
    assert_eq!(granted.status, 303, "{}", granted.body);
    let page = browser.get(&format!("/admin/users/{id}"));
    assert!(page.body.contains("Xem hồ sơ cán bộ"));
    let (_, grants) = json(app.get(&format!("/api/v1/users/{id}/grants")));
    let grant = grants["items"][0]["id"].as_str().unwrap().to_owned();
    let remove = format!("/admin/users/{id}/grants/{grant}/remove");
    let ask = browser.get(&remove);
    assert!(
        ask.body.contains("Thu hồi quyền “Xem hồ sơ cán bộ”"),
        "{}",
        ask.body
    );
    let removed = browser.post(&remove, &[("csrf_token", &ask.csrf())]);
    assert_eq!(removed.status, 303);
    let (_, grants) = json(app.get(&format!("/api/v1/users/{id}/grants")));
    assert_eq!(grants["items"], json!([]));

    let edit = browser.get(&format!("/admin/users/{id}/edit"));
    let disabled = browser.post(
        &format!("/admin/users/{id}/edit"),
        &[
            ("csrf_token", &edit.csrf()),
            ("version", &edit.version()),
            ("display_name", "Nguyễn Văn An"),
            ("status", "disabled"),
        ],
    );
    assert_eq!(disabled.status, 303, "{}", disabled.body);
    let (_, user) = json(app.get(&format!("/api/v1/users/{id}")));
    assert_eq!(user["status"], "disabled");
    assert_eq!(user["display_name"], "Nguyễn Văn An");

    let policies = browser.get("/admin/policies");
    assert!(policies.body.contains("Tỉnh"));
    let policy = browser.get("/admin/policies/province");
    assert_eq!(policy.status, 200, "{}", policy.body);
    let put = |idle: &str| {
        browser.post(
            "/admin/policies/province",
            &[
                ("csrf_token", &policy.csrf()),
                ("version", &policy.version()),
                ("session_lifetime_seconds", "28800"),
                ("idle_timeout_seconds", idle),
                ("step_up_max_age_seconds", "900"),
                ("sign_in_allowed", "true"),
            ],
        )
    };
    let short = put("10");
    assert_eq!(short.status, 422, "{}", short.body);
    assert!(short.body.contains("Giá trị nằm ngoài khoảng cho phép."));
    assert_eq!(put("1200").status, 303);
    let (_, all) = json(app.get("/api/v1/policies"));
    let province = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["level"] == "province")
        .unwrap()
        .clone();
    assert_eq!(province["idle_timeout_seconds"], 1200);

    let log = browser.get("/audit?action=grant.remove");
    assert_eq!(log.status, 200);
    assert!(
        log.body.contains("<code>grant.remove</code>"),
        "{}",
        log.body
    );
    let bad_date = browser.get("/audit?from=h%C3%B4m+qua");
    assert!(bad_date.body.contains("id=\"f-from-error\""));
}

#[test]
fn an_organization_administrator_may_not_change_policies_nor_read_the_audit_log() {
    let app = TestApp::spawn();
    app.tree(&[("HN", "province", "ROOT")]);
    let officer = app.account("hn.admin", Some("HN"), &["org_admin"]);
    let browser = Browser::new(&app);
    browser.sign_in(&app, &officer);
    assert_eq!(browser.get("/admin/users").status, 200);
    assert_eq!(browser.get("/admin/policies").status, 200);
    let policy = browser.get("/admin/policies/province");
    assert_eq!(policy.status, 403);
    assert_eq!(browser.get("/audit").status, 403);
    let start = browser.get("/");
    assert!(start.body.contains("href=\"/admin/users\""));
    assert!(!start.body.contains("href=\"/audit\""));
}

#[test]
fn a_dossier_officer_reads_a_dossier_for_a_stated_reason_after_a_recent_second_factor() {
    let app = TestApp::spawn();
    let t = app.tree(&[("HN", "province", "ROOT")]);
    let official = create(&app, &profile(&t["HN"], "Nguyễn Văn Bình", "001075012345"));
    let officer = app.account("officer.hn", Some("HN"), &["dossier_officer"]);
    app.use_token(Some(app.sign_in(&officer)));
    let content = "Em ruột định cư tại Canada <từ năm 1995>.";
    let (status, dossier) = json(app.post(
        "/api/v1/dossiers",
        &json!({"subject_id": official["id"], "category": "overseas_relations",
                "summary": "Có thân nhân ở nước ngoài", "content": content}),
    ));
    assert_eq!(status, 201, "{dossier}");
    let dossier = dossier["id"].as_str().unwrap().to_owned();
    let browser = Browser::new(&app);
    browser.sign_in(&app, &officer);
    let list = browser.get(&format!(
        "/dossiers?subject_id={}",
        official["id"].as_str().unwrap()
    ));
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(list.body.contains("Quan hệ ở nước ngoài"));
    assert!(!list.body.contains("Canada"), "no content in the list");
    let path = format!("/dossiers/{dossier}/read");
    let form = browser.get(&path);
    assert_eq!(form.status, 200, "{}", form.body);
    let vague = browser.post(&path, &[("csrf_token", &form.csrf()), ("reason", "xem")]);
    assert_eq!(vague.status, 422);
    assert!(vague.body.contains("id=\"f-reason-error\""));
    assert!(vague.body.contains("ít nhất ba từ khác nhau"));
    let reason = "Thẩm định tiêu chuẩn chính trị trước khi bổ nhiệm";
    let opened = browser.post(&path, &[("csrf_token", &form.csrf()), ("reason", reason)]);
    assert_eq!(opened.status, 200, "{}", opened.body);
    assert!(opened
        .body
        .contains("Em ruột định cư tại Canada &lt;từ năm 1995&gt;."));
    app.use_token(Some(app.sign_in(&app.admin)));
    let (_, audit) = json(app.get("/api/v1/audit?action=dossier.read"));
    assert_eq!(audit["items"][0]["actor"], "officer.hn");
    assert_eq!(audit["items"][0]["details"]["reason"], reason);

    app.clock.advance(Duration::minutes(6));
    let stale = browser.get(&path);
    assert_eq!(stale.status, 303);
    assert_eq!(
        stale.location.as_deref(),
        Some(format!("/step-up?next={path}").as_str())
    );

    let viewer = app.account("viewer.hn", Some("HN"), &["personnel_viewer"]);
    let other = Browser::new(&app);
    other.sign_in(&app, &viewer);
    for page in [format!("/dossiers/{dossier}"), path.clone()] {
        assert_eq!(other.get(&page).status, 404, "{page}");
    }
}

#[test]
fn a_dossier_officer_attaches_a_file_and_downloads_it_for_the_reason_stated() {
    let app = TestApp::spawn();
    let t = app.tree(&[("HN", "province", "ROOT")]);
    let official = create(&app, &profile(&t["HN"], "Nguyễn Văn Bình", "001075012345"));
    let officer = app.account("officer.hn", Some("HN"), &["dossier_officer"]);
    app.use_token(Some(app.sign_in(&officer)));
    let (status, dossier) = json(app.post(
        "/api/v1/dossiers",
        &json!({"subject_id": official["id"], "category": "political_verification",
                "summary": "Xác minh trước bổ nhiệm", "content": "Kết quả xác minh."}),
    ));
    assert_eq!(status, 201, "{dossier}");
    let dossier = dossier["id"].as_str().unwrap().to_owned();
    let browser = Browser::new(&app);
    browser.sign_in(&app, &officer);
    let path = format!("/dossiers/{dossier}/attach");
    let page = browser.get(&format!("/dossiers/{dossier}"));
    assert!(
        page.body.contains(&format!("href=\"{path}\"")),
        "{}",
        page.body
    );
    let form = browser.get(&path);
    assert_eq!(form.status, 200, "{}", form.body);
    let csrf = form.csrf();
    let upload = |name: &str, bytes: &[u8]| {
        browser.upload(&path, &[("csrf_token", &csrf)], Some((name, bytes)))
    };
    let unknown = upload("chuong-trinh.exe", b"MZ");
    assert_eq!(unknown.status, 422, "{}", unknown.body);
    assert!(unknown.body.contains("id=\"f-file-error\""));
    assert!(unknown.body.contains("Chỉ nhận tệp PDF"));
    let not_pdf = upload("bien-ban.pdf", b"khong phai PDF");
    assert_eq!(
        not_pdf.status, 422,
        "the bytes are checked: {}",
        not_pdf.body
    );
    assert!(not_pdf.body.contains("id=\"f-file-error\""));
    let (_, none) = json(app.get(&format!("/api/v1/dossiers/{dossier}")));
    assert_eq!(none["attachment_count"], 0, "nothing half-written: {none}");

    let text = "Biên bản xác minh <bí mật>: không có vấn đề.";
    let attached = upload("Biên bản xác minh.txt", text.as_bytes());
    assert_eq!(attached.status, 303, "{}", attached.body);
    let shown = browser.get(attached.location.as_deref().unwrap());
    assert!(shown.body.contains("Đã đính kèm tệp."), "{}", shown.body);
    assert!(
        !shown.body.contains("không có vấn đề"),
        "no content before a reason"
    );

    let read = format!("/dossiers/{dossier}/read");
    let reason = "Thẩm định tiêu chuẩn chính trị trước khi bổ nhiệm";
    let reading = browser.get(&read);
    let opened = browser.post(
        &read,
        &[("csrf_token", &reading.csrf()), ("reason", reason)],
    );
    assert_eq!(opened.status, 200, "{}", opened.body);
    assert!(opened.body.contains("Biên bản xác minh.txt"));
    assert_eq!(opened.hidden("reason"), reason);
    let download = format!("/dossiers/{dossier}/attachments/1");
    assert!(opened.body.contains(&format!("action=\"{download}\"")));
    let file = browser.post(
        &download,
        &[("csrf_token", &opened.csrf()), ("reason", reason)],
    );
    assert_eq!(file.status, 200);
    assert_eq!(file.body, text, "the file as uploaded");
    let vague = browser.post(
        &download,
        &[("csrf_token", &opened.csrf()), ("reason", "xem")],
    );
    assert_eq!(vague.status, 422, "a download needs a stated reason too");
    app.use_token(Some(app.sign_in(&app.admin)));
    let (_, audit) = json(app.get("/api/v1/audit?action=dossier.read_attachment"));
    assert_eq!(audit["items"].as_array().unwrap().len(), 1, "{audit}");
    assert_eq!(audit["items"][0]["details"]["reason"], reason);
    let (_, attached) = json(app.get("/api/v1/audit?action=dossier.attach"));
    assert_eq!(attached["items"][0]["actor"], "officer.hn");

    app.clock.advance(Duration::minutes(6));
    let stale = browser.get(&path);
    assert_eq!(
        stale.location.as_deref(),
        Some(format!("/step-up?next={path}").as_str())
    );
}

#[test]
fn a_clerk_registers_a_document_through_the_form_and_finds_it_without_diacritics() {
    let app = TestApp::spawn();
    app.tree(&[("CCOP", "central", "ROOT")]);
    let clerk = app.account("van.thu", Some("CCOP"), &["groupware_user"]);
    let browser = Browser::new(&app);
    browser.sign_in(&app, &clerk);
    let start = browser.get("/");
    assert!(
        start.body.contains("Văn bản đến hạn hôm nay: 0"),
        "{}",
        start.body
    );
    let form = browser.get("/documents/new");
    assert_eq!(form.status, 200, "{}", form.body);
    let today = app.clock.today();
    let tomorrow = typed(today + Duration::days(1));
    let submit = |document_date: &str, issuer_code: &str| {
        browser.post(
            "/documents/new",
            &[
                ("csrf_token", &form.csrf()),
                ("organization_code", "CCOP"),
                ("direction", "incoming"),
                ("document_type", "decision"),
                ("form", "state"),
                ("document_number", "12"),
                ("issuer_code", issuer_code),
                ("document_date", document_date),
                ("issuer", "Bộ Nội vụ"),
                ("subject", "Về việc điều động cán bộ <khẩn>"),
                ("handling_deadline", &tomorrow),
            ],
        )
    };
    let refused = submit(&tomorrow, "BNV");
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("id=\"f-document-date-error\""));
    assert!(refused
        .body
        .contains("Về việc điều động cán bộ &lt;khẩn&gt;"));
    let bad_code = submit(&typed(today), "B/NV");
    assert_eq!(bad_code.status, 422);
    assert!(bad_code.body.contains("id=\"f-issuer-code-error\""));
    let made = submit(&typed(today), "BNV");
    assert_eq!(made.status, 303, "{}", made.body);
    let location = made.location.unwrap();
    let page = browser.get(&location);
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Đã vào sổ, số 01/"), "{}", page.body);
    assert!(page.body.contains("Quá trình xử lý"));
    assert!(page.body.contains(&typed(today)));
    let found = browser.get("/documents?q=dieu+dong&direction=incoming");
    assert_eq!(found.status, 200, "{}", found.body);
    assert!(found.body.contains("Về việc điều động cán bộ &lt;khẩn&gt;"));
    let none = browser.get("/documents?q=dieu+dong&direction=outgoing");
    assert!(none.body.contains("Không có văn bản nào."));
    let viewer = app.account("viewer.ccop", Some("CCOP"), &["personnel_viewer"]);
    let other = Browser::new(&app);
    other.sign_in(&app, &viewer);
    assert_eq!(other.get(&location).status, 403);
}

#[test]
fn a_room_is_booked_through_the_form_and_a_clash_names_the_booking_that_holds_it() {
    let app = TestApp::spawn();
    let t = app.tree(&[("CCOP", "central", "ROOT")]);
    let clerk = app.account("van.thu", Some("CCOP"), &["groupware_user"]);
    app.use_token(Some(app.sign_in(&clerk)));
    let (status, room) = json(app.post(
        "/api/v1/groupware/rooms",
        &json!({"organization_id": t["CCOP"]["id"], "name": "Phòng họp 301", "capacity": 20}),
    ));
    assert_eq!(status, 201, "{room}");
    let path = format!("/rooms/{}/book", room["id"].as_str().unwrap());
    let browser = Browser::new(&app);
    browser.sign_in(&app, &clerk);
    let day = typed(app.clock.today() + Duration::days(1));
    let form = browser.get(&path);
    assert_eq!(form.status, 200, "{}", form.body);
    let submit = |title: &str, attendees: &str, starts: &str, ends: &str| {
        browser.post(
            &path,
            &[
                ("csrf_token", &form.csrf()),
                ("title", title),
                ("attendees", attendees),
                ("day", &day),
                ("starts", starts),
                ("ends", ends),
            ],
        )
    };
    let backwards = submit("Giao ban tuần", "12", "10:00", "08:00");
    assert_eq!(backwards.status, 422, "{}", backwards.body);
    assert!(backwards.body.contains("id=\"f-ends-error\""));
    assert!(backwards.body.contains("Giờ kết thúc phải sau giờ bắt đầu"));
    let not_a_time = submit("Giao ban tuần", "12", "8h", "10:00");
    assert_eq!(not_a_time.status, 422);
    assert!(not_a_time.body.contains("id=\"f-starts-error\""));
    let made = submit("Giao ban tuần", "12", "08:00", "10:00");
    assert_eq!(made.status, 303, "{}", made.body);
    let listed = browser.get(made.location.as_deref().unwrap());
    assert!(listed.body.contains("Đã đặt phòng."), "{}", listed.body);
    let clash = submit("Họp chi bộ", "8", "09:30", "11:00");
    assert_eq!(clash.status, 409, "{}", clash.body);
    assert!(
        clash
            .body
            .contains(&format!("“Giao ban tuần” từ {day} 08:00 đến 10:00")),
        "{}",
        clash.body
    );
    let free = browser.get(&format!(
        "/rooms?day={}&starts=09:00&ends=09:30",
        day.replace('/', "%2F")
    ));
    assert!(free.body.contains("Không có phòng nào."), "{}", free.body);
    let later = browser.get(&format!(
        "/rooms?day={}&starts=10:00&ends=11:00",
        day.replace('/', "%2F")
    ));
    assert!(later.body.contains("Phòng họp 301"));
    let now = app.clock.now();
    let (_, bookings) = json(app.get(&format!(
        "/api/v1/groupware/bookings?room_id={}&from={}&until={}",
        room["id"].as_str().unwrap(),
        now.format("%Y-%m-%dT%H:%M:%SZ"),
        (now + Duration::days(3)).format("%Y-%m-%dT%H:%M:%SZ"),
    )));
    assert_eq!(bookings["items"].as_array().unwrap().len(), 1, "{bookings}");

    // the booker cancels from the booking's page, at the version shown
    let booking = made.location.as_deref().unwrap().split('?').next().unwrap();
    let cancel = format!("{booking}/cancel");
    let stale = browser.post(&cancel, &[("csrf_token", &listed.csrf()), ("version", "0")]);
    assert_eq!(stale.status, 412, "{}", stale.body);
    let cancelled = browser.post(
        &cancel,
        &[
            ("csrf_token", &listed.csrf()),
            ("version", &listed.version()),
        ],
    );
    assert_eq!(cancelled.status, 303, "{}", cancelled.body);
    let shown = browser.get(cancelled.location.as_deref().unwrap());
    assert!(shown.body.contains("Đã hủy đặt phòng"), "{}", shown.body);
    assert!(
        !shown.body.contains("name=\"version\""),
        "nothing left to cancel"
    );
    let again = browser.post(
        &cancel,
        &[
            ("csrf_token", &listed.csrf()),
            ("version", &shown_version(&app, booking)),
        ],
    );
    assert_eq!(again.status, 409, "{}", again.body);
    let freed = submit("Họp chi bộ", "8", "09:30", "11:00");
    assert_eq!(freed.status, 303, "the time is free again: {}", freed.body);
}

/// A booking's version, read through the API.
fn shown_version(app: &TestApp, booking_page: &str) -> String {
    let id = booking_page.rsplit('/').next().unwrap();
    let (_, booking) = json(app.get(&format!("/api/v1/groupware/bookings/{id}")));
    booking["version"].to_string()
}

#[test]
fn a_staff_member_reports_progress_on_a_task_and_completes_it_through_forms() {
    use diesel::prelude::*;
    let app = TestApp::spawn();
    let t = app.tree(&[("CCOP", "central", "ROOT")]);
    let staff = app.account("chuyen.vien", Some("CCOP"), &["groupware_user"]);
    let staff_id: uuid::Uuid = odb::db::schema::users::table
        .filter(odb::db::schema::users::username.eq("chuyen.vien"))
        .select(odb::db::schema::users::id)
        .first(&mut app.db.connect())
        .unwrap();
    app.use_token(Some(app.sign_in(&staff)));
    let today = app.clock.today();
    let (status, task) = json(app.post(
        "/api/v1/groupware/tasks",
        &json!({"organization_id": t["CCOP"]["id"], "title": "Tổng hợp số liệu",
                "deadline": today.to_string(), "assignee_ids": [staff_id]}),
    ));
    assert_eq!(status, 201, "{task}");
    let browser = Browser::new(&app);
    browser.sign_in(&app, &staff);
    let start = browser.get("/");
    assert!(
        start.body.contains("Công việc đến hạn hôm nay: 1"),
        "{}",
        start.body
    );
    let mine = browser.get("/tasks");
    assert!(mine.body.contains("Tổng hợp số liệu"), "{}", mine.body);
    let path = format!("/tasks/{}", task["id"].as_str().unwrap());
    let page = browser.get(&path);
    assert_eq!(page.status, 200, "{}", page.body);
    let report = format!("{path}/report");
    let too_much = browser.post(
        &report,
        &[
            ("csrf_token", &page.csrf()),
            ("version", &page.version()),
            ("progress", "140"),
        ],
    );
    assert_eq!(too_much.status, 422, "{}", too_much.body);
    assert!(too_much.body.contains("id=\"f-progress-error\""));
    let reported = browser.post(
        &report,
        &[
            ("csrf_token", &page.csrf()),
            ("version", &page.version()),
            ("progress", "40"),
            ("note", "Đã có số liệu của 3 vụ"),
        ],
    );
    assert_eq!(reported.status, 303, "{}", reported.body);
    let stale = browser.post(
        &format!("{path}/complete"),
        &[("csrf_token", &page.csrf()), ("version", &page.version())],
    );
    assert_eq!(stale.status, 412, "{}", stale.body);
    let fresh = browser.get(&path);
    assert!(fresh.body.contains("Đã có số liệu của 3 vụ"));
    let done = browser.post(
        &format!("{path}/complete"),
        &[("csrf_token", &fresh.csrf()), ("version", &fresh.version())],
    );
    assert_eq!(done.status, 303, "{}", done.body);
    let closed = browser.get(&path);
    assert!(closed.body.contains("Đã hoàn thành"), "{}", closed.body);
    assert!(closed.body.contains(&typed(today)));
}

impl Browser {
    /// A form with a file, as a browser posts it (`multipart/form-data`).
    fn upload(&self, path: &str, fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Page {
        let boundary = "----odb-test-boundary-7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        if let Some((name, bytes)) = file {
            body.extend(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend(bytes);
            body.extend(b"\r\n");
        }
        body.extend(format!("--{boundary}--\r\n").as_bytes());
        self.send(
            self.client
                .post(format!("{}{path}", self.base))
                .header(
                    "Content-Type",
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(body),
        )
    }
}

impl Page {
    /// The value of the page's hidden input `name`, as the browser reads it.
    fn hidden(&self, name: &str) -> String {
        let marker = format!("name=\"{name}\" value=\"");
        let start = self.body.find(&marker).expect("the hidden input") + marker.len();
        let end = self.body[start..].find('"').unwrap() + start;
        self.body[start..end]
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    }
}

const IMPORT_MAPPING: &str = "Họ và tên = full_name
Giới tính = sex
Ngày sinh = birth_date
Số định danh cá nhân = personal_identification_code
Dân tộc = ethnic_group_code
Ngạch = rank_code
Phân loại = classification
Hệ số lương = salary_coefficient
Phụ cấp thâm niên = seniority_allowance_percent
Đơn vị = using_organization_id";

#[test]
fn an_editor_imports_a_spreadsheet_after_a_dry_run_and_reads_the_statistics_of_the_unit() {
    let app = TestApp::with_demo();
    let editor = app.account("editor.p01", Some("P01"), &["personnel_editor"]);
    let browser = Browser::new(&app);
    browser.sign_in(&app, &editor);
    let csv = std::fs::read(format!(
        "{}/fixtures/imports/so-noi-vu-p01.csv",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let form = browser.get("/imports/new");
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("enctype=\"multipart/form-data\""));
    let token = form.csrf();
    let submit = |code: &str, atomicity: &str, file: Option<(&str, &[u8])>| {
        browser.upload(
            "/imports/new",
            &[
                ("csrf_token", &token),
                ("dry_run", "true"),
                ("organization_code", code),
                ("mapping", IMPORT_MAPPING),
                ("atomicity", atomicity),
            ],
            file,
        )
    };
    let forged = browser.upload("/imports/new", &[("organization_code", "P01")], None);
    assert_eq!(forged.status, 403);
    let no_file = submit("P01", "file", None);
    assert_eq!(no_file.status, 422, "{}", no_file.body);
    assert!(no_file.body.contains("id=\"f-file-error\""));
    let elsewhere = submit("P02", "file", Some(("so-noi-vu.csv", &csv)));
    assert_eq!(elsewhere.status, 422, "{}", elsewhere.body);
    assert!(elsewhere.body.contains("id=\"f-organization-code-error\""));
    assert!(
        elsewhere.body.contains("Họ và tên = full_name"),
        "the mapping typed stays"
    );

    // the whole file refused by one faulty row: the report, no import button
    let whole = submit("P01", "file", Some(("so-noi-vu.csv", &csv)));
    assert_eq!(whole.status, 200, "{}", whole.body);
    assert!(whole.body.contains("Đây là kết quả chạy thử"));
    assert!(
        whole
            .body
            .contains("Không phải ngày hợp lệ (ngày/tháng/năm) (“31/02/1980”)"),
        "{}",
        whole.body
    );
    assert!(whole.body.contains("Hãy sửa tệp"));
    assert!(!whole.body.contains("name=\"content_base64\""));

    // row by row: the good rows may be imported from the report
    let rows = submit("P01", "row", Some(("so-noi-vu.csv", &csv)));
    assert_eq!(rows.status, 200, "{}", rows.body);
    let confirm = [
        "organization_code",
        "mapping",
        "atomicity",
        "file_name",
        "content_base64",
    ]
    .map(|name| (name, rows.hidden(name)));
    let mut fields: Vec<(&str, &str)> = confirm.iter().map(|(n, v)| (*n, v.as_str())).collect();
    fields.push(("csrf_token", &token));
    fields.push(("dry_run", "false"));
    let done = browser.upload("/imports/new", &fields, None);
    assert_eq!(done.status, 303, "{}", done.body);
    let report = browser.get(done.location.as_deref().unwrap());
    assert_eq!(report.status, 200, "{}", report.body);
    assert!(report.body.contains("Đã nhập dữ liệu."), "{}", report.body);
    app.use_token(Some(app.sign_in(&editor)));
    let (_, found) = json(app.get("/api/v1/officials?q=Tran+Thi+Bich+Ngoc"));
    assert_eq!(found["items"].as_array().unwrap().len(), 1, "{found}");

    // the statistics of the editor's own unit, as the API counts them
    let p01 = odb::org::repo::find_by_code(&mut app.db.connect(), "P01")
        .unwrap()
        .unwrap()
        .id;
    let (_, counted) = json(app.get(&format!(
        "/api/v1/statistics/sex_and_ethnicity?organization_id={p01}"
    )));
    let page = browser.get("/statistics?table=sex_and_ethnicity");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body.contains("value=\"P01\""),
        "the caller's unit by default"
    );
    assert!(
        page.body
            .contains(&format!("Tổng số: {}", counted["total"])),
        "{}",
        page.body
    );
    let file = browser.get("/statistics?table=sex_and_ethnicity&organization_code=P01&format=csv");
    assert_eq!(file.status, 200);
    let api_csv = app
        .get(&format!(
            "/api/v1/statistics/sex_and_ethnicity?organization_id={p01}&format=csv"
        ))
        .text()
        .unwrap();
    assert_eq!(file.body, api_csv, "the same sheet as the API's");
    let refused = browser.get("/statistics?organization_code=P02&as_of=hom+qua");
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("id=\"f-as-of-error\""));
    let outside = browser.get("/statistics?organization_code=P02");
    assert_eq!(outside.status, 422, "{}", outside.body);
    assert!(outside.body.contains("id=\"f-organization-code-error\""));
}

#[test]
fn an_administrator_unlocks_a_locked_account_after_a_step_up() {
    let app = TestApp::spawn();
    app.tree(&[("HN", "province", "ROOT")]);
    let locked = app.account("khoa.thu", Some("HN"), &["personnel_viewer"]);
    let browser = Browser::new(&app);
    browser.sign_in(&app, &app.admin);
    // the administrator's second factor is no longer recent
    app.clock.advance(Duration::minutes(16));
    for _ in 0..5 {
        login(&app, &locked.username, "mat-khau-sai-1234");
    }
    assert_eq!(
        login(&app, &locked.username, &locked.password).status(),
        423
    );
    app.use_token(Some(app.sign_in(&app.admin)));
    let (_, users) = json(app.get("/api/v1/users"));
    let id = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "khoa.thu")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let account = browser.get(&format!("/admin/users/{id}"));
    assert!(
        account.body.contains("Tạm khóa do nhập sai (đến "),
        "{}",
        account.body
    );
    let path = format!("/admin/users/{id}/unlock");
    assert!(account.body.contains(&format!("href=\"{path}\"")));
    let asked = browser.get(&path);
    assert_eq!(asked.location, Some(format!("/step-up?next={path}")));
    let step_up = browser.get(asked.location.as_deref().unwrap());
    browser.post(
        "/step-up",
        &[
            ("csrf_token", &step_up.csrf()),
            ("code", &app.code(&app.admin.totp_secret)),
            ("next", &path),
        ],
    );
    let form = browser.get(&path);
    assert_eq!(form.status, 200, "{}", form.body);
    let stale = browser.post(&path, &[("csrf_token", &form.csrf()), ("version", "0")]);
    assert_eq!(stale.status, 412, "{}", stale.body);
    let unlocked = browser.post(
        &path,
        &[("csrf_token", &form.csrf()), ("version", &form.version())],
    );
    assert_eq!(unlocked.status, 303, "{}", unlocked.body);
    assert_eq!(
        login(&app, &locked.username, &locked.password).status(),
        200
    );
    let (_, audit) = json(app.get("/api/v1/audit?action=user.update"));
    assert_eq!(audit["items"].as_array().unwrap().len(), 1, "{audit}");
}

#[test]
fn an_administrator_resets_a_lost_second_factor_from_the_account_page() {
    let app = TestApp::spawn();
    app.tree(&[("HN", "province", "ROOT")]);
    let lost = app.account("mat.dien.thoai", Some("HN"), &["personnel_viewer"]);
    let browser = Browser::new(&app);
    browser.sign_in(&app, &app.admin);
    let (_, users) = json(app.get("/api/v1/users"));
    let id = users["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "mat.dien.thoai")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/admin/users/{id}/reset-mfa");
    let account = browser.get(&format!("/admin/users/{id}"));
    assert!(
        account.body.contains(&format!("href=\"{path}\"")),
        "{}",
        account.body
    );
    assert!(account.body.contains("Đặt lại xác thực hai lớp"));

    let form = browser.get(&path);
    assert_eq!(form.status, 200, "{}", form.body);
    assert!(form.body.contains("mat.dien.thoai"));
    let reset = browser.post(
        &path,
        &[("csrf_token", &form.csrf()), ("version", &form.version())],
    );
    assert_eq!(reset.status, 303, "{}", reset.body);
    let (_, step_one) = json(login(&app, &lost.username, &lost.password));
    assert_eq!(step_one["mfa"], "enroll", "{step_one}");
    let account = browser.get(&format!("/admin/users/{id}"));
    assert!(!account.body.contains(&format!("href=\"{path}\"")));
    let again = browser.get(&path);
    assert!(
        again.body.contains("chưa cài đặt xác thực hai lớp"),
        "{}",
        again.body
    );
}

#[test]
fn a_document_is_taken_in_hand_and_closed_through_its_page_at_the_version_shown() {
    let app = TestApp::spawn();
    let t = app.tree(&[("CCOP", "central", "ROOT")]);
    let clerk = app.account("van.thu", Some("CCOP"), &["groupware_user"]);
    app.use_token(Some(app.sign_in(&clerk)));
    let (status, document) = json(app.post(
        "/api/v1/groupware/documents",
        &json!({"organization_id": t["CCOP"]["id"], "direction": "incoming",
                "document_type": "decision", "form": "state", "document_number": 12,
                "issuer_code": "BNV", "document_date": app.clock.today().to_string(),
                "issuer": "Bộ Nội vụ", "subject": "Về việc điều động cán bộ"}),
    ));
    assert_eq!(status, 201, "{document}");
    let path = format!("/documents/{}", document["id"].as_str().unwrap());
    let browser = Browser::new(&app);
    browser.sign_in(&app, &clerk);
    let page = browser.get(&path);
    assert!(
        page.body.contains("Cập nhật tình trạng xử lý"),
        "{}",
        page.body
    );
    let post = |version: &str, status: &str| {
        browser.post(
            &format!("{path}/status"),
            &[
                ("csrf_token", &page.csrf()),
                ("version", version),
                ("status", status),
                ("note", "Đã báo cáo lãnh đạo <Vụ>"),
            ],
        )
    };
    let skipped = post(&page.version(), "in_progress");
    assert_eq!(
        skipped.status, 422,
        "a registered document is not yet assigned"
    );
    assert!(skipped.body.contains("id=\"f-status-error\""));
    assert!(skipped.body.contains("Đã báo cáo lãnh đạo &lt;Vụ&gt;"));
    let stale = post("0", "done");
    assert_eq!(stale.status, 412, "{}", stale.body);
    assert!(stale.body.contains("Người khác vừa sửa dữ liệu này"));
    let closed = post(&page.version(), "done");
    assert_eq!(closed.status, 303, "{}", closed.body);
    let done = browser.get(closed.location.as_deref().unwrap());
    assert!(done.body.contains("Đã cập nhật tình trạng xử lý."));
    assert!(done.body.contains("Đã xử lý xong"));
    assert!(!done.body.contains("name=\"status\""), "no step after done");
    let (_, read) = json(app.get(&format!(
        "/api/v1/groupware/documents/{}",
        document["id"].as_str().unwrap()
    )));
    assert_eq!(read["status"], "done");
    assert_eq!(read["done_on"], app.clock.today().to_string());
}

#[test]
fn a_document_is_assigned_to_colleagues_found_by_name_one_leading() {
    let app = TestApp::spawn();
    let t = app.tree(&[("CCOP", "central", "ROOT")]);
    let clerk = app.account("van.thu", Some("CCOP"), &["groupware_user"]);
    for (username, name) in [("cv.doan", "Nguyễn Văn Đoàn"), ("cv.hoa", "Lê Thị Hoa")] {
        app.account(username, Some("CCOP"), &["groupware_user"]);
        crate::groupware::name(&app, username, name);
    }
    let (doan, hoa) = (
        crate::groupware::user_id(&app, "cv.doan"),
        crate::groupware::user_id(&app, "cv.hoa"),
    );
    app.use_token(Some(app.sign_in(&clerk)));
    let (status, document) = json(app.post(
        "/api/v1/groupware/documents",
        &json!({"organization_id": t["CCOP"]["id"], "direction": "incoming",
                "document_type": "decision", "form": "state", "document_number": 12,
                "issuer_code": "BNV", "document_date": app.clock.today().to_string(),
                "issuer": "Bộ Nội vụ", "subject": "Về việc điều động cán bộ"}),
    ));
    assert_eq!(status, 201, "{document}");
    let api = format!("/api/v1/groupware/documents/{}", id(&document));
    let path = format!("/documents/{}/assign", id(&document));
    let browser = Browser::new(&app);
    browser.sign_in(&app, &clerk);
    let page = browser.get(&format!("/documents/{}", id(&document)));
    assert!(
        page.body.contains(&format!("href=\"{path}\"")),
        "{}",
        page.body
    );

    let found = browser.get(&format!("{path}?q=doan"));
    assert_eq!(found.status, 200, "{}", found.body);
    assert!(found.body.contains("Nguyễn Văn Đoàn (cv.doan)"));
    assert!(
        !found.body.contains("Lê Thị Hoa"),
        "only the name asked for"
    );
    let support_hoa = format!("support-{hoa}");
    let post = |fields: &[(&str, &str)]| {
        let mut all = vec![("csrf_token", found.csrf()), ("version", found.version())];
        all.extend(fields.iter().map(|(k, v)| (*k, v.to_string())));
        let all: Vec<(&str, &str)> = all.iter().map(|(k, v)| (*k, v.as_str())).collect();
        browser.post(&path, &all)
    };
    let no_lead = post(&[(&support_hoa, "on")]);
    assert_eq!(no_lead.status, 422, "{}", no_lead.body);
    assert!(no_lead.body.contains("id=\"f-assignees-error\""));
    assert!(no_lead.body.contains("Chọn một người chủ trì."));
    let bad_date = post(&[("lead", &doan), ("handling_deadline", "31/02/2027")]);
    assert_eq!(bad_date.status, 422, "{}", bad_date.body);
    assert!(bad_date.body.contains("id=\"f-handling-deadline-error\""));
    let (_, unchanged) = json(app.get(&api));
    assert_eq!(
        unchanged["status"], "registered",
        "nothing was half-written"
    );

    let deadline = app.clock.today() + Duration::days(10);
    let assigned = post(&[
        ("lead", &doan),
        (&support_hoa, "on"),
        (
            "handling_deadline",
            &deadline.format("%d/%m/%Y").to_string(),
        ),
        ("note", "Đề xuất phương án trong tuần"),
    ]);
    assert_eq!(assigned.status, 303, "{}", assigned.body);
    let (_, read) = json(app.get(&api));
    assert_eq!(read["status"], "assigned");
    assert_eq!(read["handling_deadline"], deadline.to_string());
    let mut who: Vec<(String, bool)> = read["assignees"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["user_id"].as_str().unwrap().to_owned(),
                a["lead"].as_bool().unwrap(),
            )
        })
        .collect();
    who.sort();
    let mut expected = vec![(doan.clone(), true), (hoa.clone(), false)];
    expected.sort();
    assert_eq!(who, expected);

    // the page shows who handles it now, without a search
    let again = browser.get(&path);
    assert!(
        again
            .body
            .contains(&format!("name=\"lead\" value=\"{doan}\" checked")),
        "{}",
        again.body
    );
    assert!(again
        .body
        .contains(&format!("name=\"{support_hoa}\" checked")));
    let stale = post(&[("lead", &hoa)]);
    assert_eq!(
        stale.status, 412,
        "the form's version is old: {}",
        stale.body
    );
}

#[test]
fn companions_are_typed_by_name_or_username_and_a_shared_name_asks_for_the_username() {
    let app = TestApp::spawn();
    app.tree(&[("CCOP", "central", "ROOT"), ("P01", "province", "ROOT")]);
    let traveller = app.account("chuyen.vien", Some("CCOP"), &["groupware_user"]);
    for (username, unit, name) in [
        ("cv.doan", "CCOP", "Nguyễn Văn Đoàn"),
        ("hoa.1", "CCOP", "Lê Thị Hoa"),
        ("hoa.2", "CCOP", "Lê Thị Hoa"),
        ("tinh.an", "P01", "Trần Văn An"),
    ] {
        app.account(username, Some(unit), &["groupware_user"]);
        crate::groupware::name(&app, username, name);
    }
    crate::groupware::name(&app, "chuyen.vien", "Phạm Minh Chuyên");
    let browser = Browser::new(&app);
    browser.sign_in(&app, &traveller);
    let form = browser.get("/trips/new");
    assert!(form.body.contains("id=\"f-companions\""), "{}", form.body);
    let today = app.clock.today();
    let propose = |companions: &str| {
        browser.post(
            "/trips/new",
            &[
                ("csrf_token", &form.csrf()),
                ("organization_code", "CCOP"),
                ("purpose", "Khảo sát"),
                ("destination", "Bắc Ninh"),
                ("starts_on", &typed(today + Duration::days(3))),
                ("ends_on", &typed(today + Duration::days(4))),
                ("companions", companions),
            ],
        )
    };
    let shared = propose("nguyen van doan, Lê Thị Hoa");
    assert_eq!(shared.status, 422, "{}", shared.body);
    assert!(shared.body.contains("id=\"f-companions-error\""));
    assert!(shared.body.contains("hoa.1, hoa.2"), "{}", shared.body);
    let elsewhere = propose("Trần Văn An");
    assert_eq!(elsewhere.status, 422, "another unit's people are not found");
    assert!(elsewhere.body.contains("Không tìm thấy ai tên"));
    let (_, trips) = json(app.get("/api/v1/groupware/trips"));
    assert_eq!(trips["items"].as_array().map(Vec::len), Some(0), "{trips}");

    let made = propose("nguyen van doan; HOA.2");
    assert_eq!(made.status, 303, "{}", made.body);
    let page = browser.get(made.location.as_deref().unwrap());
    assert!(
        page.body.contains(
            "Phạm Minh Chuyên (chuyen.vien), Nguyễn Văn Đoàn (cv.doan), Lê Thị Hoa (hoa.2)"
        ),
        "the travellers by name: {}",
        page.body
    );
    app.use_token(Some(app.sign_in(&traveller)));
    let (_, trips) = json(app.get("/api/v1/groupware/trips"));
    let mut members: Vec<String> = trips["items"][0]["member_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_owned())
        .collect();
    members.sort();
    let mut expected: Vec<String> = ["chuyen.vien", "cv.doan", "hoa.2"]
        .iter()
        .map(|u| crate::groupware::user_id(&app, u))
        .collect();
    expected.sort();
    assert_eq!(members, expected);
}

#[test]
fn a_trip_is_proposed_by_its_traveller_and_approved_by_another_of_the_unit() {
    let app = TestApp::spawn();
    app.tree(&[("CCOP", "central", "ROOT")]);
    let traveller = app.account("chuyen.vien", Some("CCOP"), &["groupware_user"]);
    let head = app.account("vu.truong", Some("CCOP"), &["groupware_user"]);
    let browser = Browser::new(&app);
    browser.sign_in(&app, &traveller);
    let form = browser.get("/trips/new");
    assert_eq!(form.status, 200, "{}", form.body);
    let today = app.clock.today();
    let propose = |ends_on: &str| {
        browser.post(
            "/trips/new",
            &[
                ("csrf_token", &form.csrf()),
                ("organization_code", "CCOP"),
                ("purpose", "Kiểm tra công tác cán bộ <tỉnh>"),
                ("destination", "Bắc Ninh"),
                ("starts_on", &typed(today + Duration::days(3))),
                ("ends_on", ends_on),
            ],
        )
    };
    let backwards = propose(&typed(today + Duration::days(1)));
    assert_eq!(backwards.status, 422, "{}", backwards.body);
    assert!(backwards.body.contains("id=\"f-ends-on-error\""));
    assert!(backwards.body.contains("Không được trước ngày bắt đầu."));
    let made = propose(&typed(today + Duration::days(4)));
    assert_eq!(made.status, 303, "{}", made.body);
    let location = made.location.unwrap();
    let path = location.split('?').next().unwrap().to_owned();
    let own = browser.get(&location);
    assert!(
        own.body.contains("Đã gửi đề nghị đi công tác."),
        "{}",
        own.body
    );
    assert!(own.body.contains("Kiểm tra công tác cán bộ &lt;tỉnh&gt;"));
    assert!(
        !own.body.contains("name=\"approve\""),
        "not the traveller's to decide"
    );
    let self_approved = browser.post(
        &format!("{path}/decision"),
        &[
            ("csrf_token", &own.csrf()),
            ("version", "1"),
            ("approve", "true"),
        ],
    );
    assert_eq!(self_approved.status, 403, "{}", self_approved.body);

    let deciding = Browser::new(&app);
    deciding.sign_in(&app, &head);
    let awaiting = deciding.get("/trips?status=proposed");
    assert!(awaiting.body.contains("Bắc Ninh"), "{}", awaiting.body);
    let page = deciding.get(&path);
    assert!(page.body.contains("name=\"approve\""), "{}", page.body);
    let decide = |version: &str| {
        deciding.post(
            &format!("{path}/decision"),
            &[
                ("csrf_token", &page.csrf()),
                ("version", version),
                ("approve", "true"),
                ("note", "Đồng ý"),
            ],
        )
    };
    assert_eq!(decide("0").status, 412);
    let decided = decide(&page.version());
    assert_eq!(decided.status, 303, "{}", decided.body);
    let approved = deciding.get(decided.location.as_deref().unwrap());
    assert!(approved.body.contains("Đã duyệt"), "{}", approved.body);
    assert!(approved.body.contains("Đồng ý"));
    let twice = decide(&(page.version().parse::<i32>().unwrap() + 1).to_string());
    assert_eq!(twice.status, 409, "{}", twice.body);
}

#[test]
fn a_dossier_officer_records_a_dossier_and_a_new_version_after_a_recent_second_factor() {
    let app = TestApp::spawn();
    let t = app.tree(&[("HN", "province", "ROOT")]);
    let official = create(&app, &profile(&t["HN"], "Nguyễn Văn Bình", "001075012345"));
    let subject = official["id"].as_str().unwrap().to_owned();
    let officer = app.account("officer.hn", Some("HN"), &["dossier_officer"]);
    let browser = Browser::new(&app);
    browser.sign_in(&app, &officer);
    let list = browser.get(&format!("/dossiers?subject_id={subject}"));
    let new = format!("/dossiers/new?subject_id={subject}");
    assert!(
        list.body.contains(&format!("href=\"{new}\"")),
        "{}",
        list.body
    );
    let form = browser.get(&new);
    assert_eq!(form.status, 200, "{}", form.body);
    let record = |category: &str, summary: &str| {
        browser.post(
            "/dossiers/new",
            &[
                ("csrf_token", &form.csrf()),
                ("subject_id", &subject),
                ("category", category),
                ("summary", summary),
                ("content", "Em ruột định cư tại Canada <từ năm 1995>."),
            ],
        )
    };
    let blank = record("overseas_relations", "   ");
    assert_eq!(blank.status, 422, "{}", blank.body);
    assert!(blank.body.contains("id=\"f-summary-error\""));
    assert!(
        blank.body.contains("Canada &lt;từ năm 1995&gt;"),
        "what was typed stays"
    );
    let made = record("overseas_relations", "Có thân nhân ở nước ngoài");
    assert_eq!(made.status, 303, "{}", made.body);
    let location = made.location.unwrap();
    let page = browser.get(&location);
    assert!(page.body.contains("Đã lập hồ sơ."), "{}", page.body);
    assert!(!page.body.contains("Canada"), "no content without a reason");
    let id = location
        .trim_start_matches("/dossiers/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();

    let path = format!("/dossiers/{id}/correct");
    let correction = browser.get(&path);
    assert_eq!(correction.status, 200, "{}", correction.body);
    let correct = |version: &str| {
        browser.post(
            &path,
            &[
                ("csrf_token", &correction.csrf()),
                ("version", version),
                ("category", "overseas_relations"),
                ("summary", "Có thân nhân ở nước ngoài"),
                (
                    "content",
                    "Em ruột định cư tại Canada từ năm 1995, đã nhập quốc tịch.",
                ),
            ],
        )
    };
    let stale = correct("0");
    assert_eq!(stale.status, 412, "{}", stale.body);
    assert!(stale.body.contains("đã nhập quốc tịch"), "the text kept");
    let saved = correct(&stale.version());
    assert_eq!(saved.status, 303, "{}", saved.body);
    let page = browser.get(saved.location.as_deref().unwrap());
    assert!(page.body.contains("Đã ghi phiên bản mới"), "{}", page.body);

    // after five minutes, the second factor is asked for again
    app.clock.advance(Duration::minutes(6));
    let asked = browser.get(&path);
    assert_eq!(asked.location, Some(format!("/step-up?next={path}")));
    app.use_token(Some(app.sign_in(&officer)));
    let (_, read) = json(app.post(
        &format!("/api/v1/dossiers/{id}/read"),
        &json!({"reason": "Thẩm định tiêu chuẩn chính trị trước khi bổ nhiệm"}),
    ));
    assert_eq!(read["version"], 2, "{read}");
    assert!(read["content"]
        .as_str()
        .unwrap()
        .contains("đã nhập quốc tịch"));
    let viewer = app.account("viewer.hn", Some("HN"), &["personnel_viewer"]);
    let other = Browser::new(&app);
    other.sign_in(&app, &viewer);
    let refused = other.post(
        "/dossiers/new",
        &[
            ("csrf_token", &other.get("/").csrf()),
            ("subject_id", &subject),
            ("category", "other"),
            ("summary", "Thử"),
            ("content", "Thử"),
        ],
    );
    assert_eq!(refused.status, 404, "{}", refused.body);
}

#[test]
fn the_week_calendar_lists_the_callers_events_and_takes_new_ones_and_answers() {
    use chrono::Datelike;
    let app = TestApp::spawn();
    let t = app.tree(&[
        ("CCOP", "central", "ROOT"),
        ("VU1", "central", "CCOP"),
        ("VU2", "central", "CCOP"),
    ]);
    let clerk = app.account("van.thu", Some("CCOP"), &["groupware_user"]);
    let staff = app.account("chuyen.vien", Some("VU1"), &["groupware_user"]);
    let outsider = app.account("nguoi.khac", Some("VU2"), &["groupware_user"]);
    app.use_token(Some(app.sign_in(&clerk)));
    let today = app.clock.today();
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()) - 7);
    let event = |title: &str, day: chrono::NaiveDate| {
        let (status, made) = json(app.post(
            "/api/v1/groupware/events",
            &json!({
                "organization_id": t["CCOP"]["id"],
                "title": title,
                "location": "Phòng họp 301",
                "starts_at": format!("{day}T08:00:00+07:00"),
                "ends_at": format!("{day}T09:30:00+07:00"),
                "invitee_ids": [crate::groupware::user_id(&app, "chuyen.vien")],
            }),
        ));
        assert_eq!(status, 201, "{made}");
        made["id"].as_str().unwrap().to_owned()
    };
    let this_week = event("Giao ban tuần <Văn phòng>", monday + Duration::days(1));
    event("Họp tuần sau nữa", monday + Duration::days(8));
    let week = format!("/calendar?week={monday}");

    // the invitee sees the week's event, not the next week's, and answers
    let browser = Browser::new(&app);
    browser.sign_in(&app, &staff);
    let shown = browser.get(&week);
    assert_eq!(shown.status, 200, "{}", shown.body);
    assert!(
        shown.body.contains("Giao ban tuần &lt;Văn phòng&gt;"),
        "{}",
        shown.body
    );
    assert!(shown.body.contains("08:00 – 09:30"));
    assert!(shown.body.contains("Chưa trả lời"));
    assert!(!shown.body.contains("Họp tuần sau nữa"));
    let next = browser.get(&format!("/calendar?week={}", monday + Duration::days(7)));
    assert!(next.body.contains("Họp tuần sau nữa"), "{}", next.body);
    let path = format!("/calendar/events/{this_week}");
    let page = browser.get(&path);
    assert!(page.body.contains("name=\"answer\""), "{}", page.body);
    let answered = browser.post(
        &format!("{path}/answer"),
        &[("csrf_token", &page.csrf()), ("answer", "accepted")],
    );
    assert_eq!(answered.status, 303, "{}", answered.body);
    let after = browser.get(answered.location.as_deref().unwrap());
    assert!(after.body.contains("Đã ghi trả lời."), "{}", after.body);
    assert!(browser.get(&week).body.contains("Tham dự"));

    // the clerk's form refuses an end before the start beside the field
    let writer = Browser::new(&app);
    writer.sign_in(&app, &clerk);
    let form = writer.get("/calendar/new");
    assert_eq!(form.status, 200, "{}", form.body);
    let day = typed(monday + Duration::days(2));
    let submit = |title: &str, starts: &str, ends: &str| {
        writer.post(
            "/calendar/new",
            &[
                ("csrf_token", &form.csrf()),
                ("organization_code", "CCOP"),
                ("title", title),
                ("location", "Hội trường"),
                ("day", &day),
                ("starts", starts),
                ("ends", ends),
            ],
        )
    };
    let backwards = submit("Hội nghị cán bộ", "14:00", "13:00");
    assert_eq!(backwards.status, 422, "{}", backwards.body);
    assert!(backwards.body.contains("id=\"f-ends-error\""));
    assert!(backwards.body.contains("Giờ kết thúc phải sau giờ bắt đầu"));
    let untitled = submit(" ", "14:00", "16:00");
    assert_eq!(untitled.status, 422);
    assert!(untitled.body.contains("id=\"f-title-error\""));
    let (_, stored) = json(app.get(&format!(
        "/api/v1/groupware/events?from={monday}T00:00:00Z&until={}T00:00:00Z",
        monday + Duration::days(7)
    )));
    assert_eq!(stored["items"].as_array().unwrap().len(), 1, "{stored}");
    assert!(!writer.get(&week).body.contains("Hội nghị cán bộ"));
    let made = submit("Hội nghị cán bộ", "14:00", "16:00");
    assert_eq!(made.status, 303, "{}", made.body);
    let event_page = writer.get(made.location.as_deref().unwrap());
    assert!(
        event_page.body.contains("Đã ghi lịch."),
        "{}",
        event_page.body
    );
    let listed = writer.get(&week);
    assert!(listed.body.contains("Hội nghị cán bộ"), "{}", listed.body);
    assert!(listed.body.contains("14:00 – 16:00"));

    // one of another unit, not invited, sees none of it
    let other = Browser::new(&app);
    other.sign_in(&app, &outsider);
    let theirs = other.get(&week);
    assert_eq!(theirs.status, 200);
    assert!(!theirs.body.contains("Giao ban tuần"));
    assert!(!theirs.body.contains("Hội nghị cán bộ"));
    assert_eq!(other.get(&path).status, 404);

    // invitees typed by username: an unknown one is refused beside the field
    let invite = |invitees: &str| {
        writer.post(
            "/calendar/new",
            &[
                ("csrf_token", &form.csrf()),
                ("organization_code", "CCOP"),
                ("title", "Họp chuyên đề"),
                ("day", &day),
                ("starts", "16:00"),
                ("ends", "17:00"),
                ("invitees", invitees),
            ],
        )
    };
    let unknown = invite("nguoi.khong.co");
    assert_eq!(unknown.status, 422, "{}", unknown.body);
    assert!(unknown.body.contains("id=\"f-invitees-error\""));
    let invited = invite("nguoi.khac");
    assert_eq!(invited.status, 303, "{}", invited.body);
    let page = writer.get(invited.location.as_deref().unwrap());
    assert!(page.body.contains("(nguoi.khac)"), "{}", page.body);
    assert!(
        other.get(&week).body.contains("Họp chuyên đề"),
        "the invitee sees it"
    );
}

#[test]
fn an_editor_imports_the_units_of_a_spreadsheet_from_the_portal() {
    let app = TestApp::with_demo();
    let editor = app.account("editor.p01", Some("P01"), &["personnel_editor"]);
    let browser = Browser::new(&app);
    browser.sign_in(&app, &editor);
    let csv = std::fs::read(format!(
        "{}/fixtures/imports/to-chuc-p01.csv",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let form = browser.get("/imports/new");
    assert!(
        form.body.contains("parent_code"),
        "the organization fields listed"
    );
    let token = form.csrf();
    let mapping = "Mã đơn vị = code\nTên đơn vị = name\nLoại hình = type\nCấp = level\nMã đơn vị cấp trên = parent_code\nNgày hiệu lực = effective_date";
    let dry = browser.upload(
        "/imports/new",
        &[
            ("csrf_token", &token),
            ("dry_run", "true"),
            ("kind", "organizations"),
            ("organization_code", "P01"),
            ("mapping", mapping),
            ("atomicity", "row"),
        ],
        Some(("to-chuc.csv", &csv)),
    );
    assert_eq!(dry.status, 200, "{}", dry.body);
    assert!(dry.body.contains("Đây là kết quả chạy thử"), "{}", dry.body);
    let confirm = [
        "kind",
        "organization_code",
        "mapping",
        "atomicity",
        "file_name",
        "content_base64",
    ]
    .map(|name| (name, dry.hidden(name)));
    let mut fields: Vec<(&str, &str)> = confirm.iter().map(|(n, v)| (*n, v.as_str())).collect();
    fields.push(("csrf_token", &token));
    fields.push(("dry_run", "false"));
    let done = browser.upload("/imports/new", &fields, None);
    assert_eq!(done.status, 303, "{}", done.body);
    let report = browser.get(done.location.as_deref().unwrap());
    assert!(report.body.contains("Đã nhập dữ liệu."), "{}", report.body);
    let unit = odb::org::repo::find_by_code(&mut app.db.connect(), "P01-SNV-KH").unwrap();
    assert!(
        unit.is_some(),
        "the unit under the one the row above created"
    );
}

#[test]
fn a_running_imports_report_follows_it_until_it_ends() {
    use diesel::RunQueryDsl;
    let app = TestApp::with_demo();
    let editor = app.account("editor.p01", Some("P01"), &["personnel_editor"]);
    let browser = Browser::new(&app);
    browser.sign_in(&app, &editor);
    let token = browser.get("/imports/new").csrf();
    // new profiles wait until this transaction ends: the import runs meanwhile
    let mut holder = app.db.connect();
    diesel::sql_query("BEGIN").execute(&mut holder).unwrap();
    diesel::sql_query("LOCK TABLE officials IN EXCLUSIVE MODE")
        .execute(&mut holder)
        .unwrap();
    let file = crate::imports::long_file(5, 5);
    let fields = [
        ("csrf_token", token.as_str()),
        ("dry_run", "false"),
        ("organization_code", "P01"),
        ("mapping", IMPORT_MAPPING),
        ("atomicity", "file"),
    ];
    let sent = browser.upload("/imports/new", &fields, Some(("dai.csv", file.as_bytes())));
    assert_eq!(sent.status, 303, "answered while running: {}", sent.body);
    let here = sent.location.clone().unwrap();
    let running = browser.get(&here);
    assert_eq!(running.status, 200, "{}", running.body);
    assert!(
        running.body.contains(&format!(
            "<div id=\"import-progress\" data-follow=\"{here}\">"
        )),
        "{}",
        running.body
    );
    assert!(running
        .body
        .contains("<p class=\"lead\" role=\"status\">Đang nhập: đã đọc 0 trên 5 dòng.</p>"));
    assert!(running.body.contains(&format!("<a href=\"{here}\">")));
    assert!(running.body.contains("aria-pressed=\"false\" hidden"));
    // the page's script may fetch the report again, from this site only
    assert!(running.csp.unwrap().contains("connect-src 'self'"));
    assert!(
        !running.body.contains("http-equiv"),
        "no reload of the page"
    );

    diesel::sql_query("COMMIT").execute(&mut holder).unwrap();
    let until = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let ended = loop {
        let page = browser.get(&here);
        if !page.body.contains("data-follow") {
            break page;
        }
        assert!(std::time::Instant::now() < until, "the import never ended");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(ended.body.contains("Đã nhập dữ liệu."), "{}", ended.body);
    assert!(!ended.body.contains("data-follow-pause"));
}
