// The portal as a person uses it, in Debian's chromium against `odb demo`:
// sign in with a TOTP code, find a person typed without diacritics, correct
// their address (after a refused value), print their résumé, and be refused
// a record outside one's scope. Every main page is scanned with axe-core
// and photographed into docs/portal/.
//
// Run: cargo build && (cd tests/browser && npm ci && npm test)

import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

import {
  accessibilityViolations,
  fold,
  freshCode,
  launchBrowser,
  repo,
  startDemo,
} from "./harness.mjs";

const shots = join(repo, "docs", "portal");
const out = join(repo, "tests", "browser", "out");
const desktop = { width: 1366, height: 768 };
const phone = { width: 390, height: 844 };
const usedCodes = new Set();

let demo;
let browser;
/** The administrator's signed-in page, shared by the steps below. */
let admin;
/** A profile the steps open, edit and print: { name, path }. */
let profile;

before(async () => {
  mkdirSync(shots, { recursive: true });
  mkdirSync(out, { recursive: true });
  demo = await startDemo();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

// The screenshots in docs/portal/ are refreshed only when asked
// (ODB_SCREENSHOTS=1), so a test run leaves the checkout as it was.
async function photograph(page, name, options = {}) {
  if (process.env.ODB_SCREENSHOTS !== "1") return;
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: options.fullPage ?? false });
}

/** No serious or critical WCAG 2.1 A/AA violation on the page. */
async function assertAccessible(page, what) {
  const violations = await accessibilityViolations(page);
  const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(serious, [], `${what}: ${JSON.stringify(serious, null, 2)}`);
}

async function signIn(username, viewport = desktop) {
  const account = demo.account(username);
  const context = await browser.newContext({ viewport, locale: "vi-VN" });
  const page = await context.newPage();
  await page.goto(`${demo.base}/sign-in`);
  await page.getByLabel("Tên đăng nhập").fill(account.username);
  await page.getByLabel("Mật khẩu").fill(account.password);
  await page.getByRole("button", { name: "Tiếp tục" }).click();
  await page.getByLabel("Mã xác thực").fill(await freshCode(account.totp_secret, usedCodes));
  await page.getByRole("button", { name: "Đăng nhập" }).click();
  await page.waitForURL(`${demo.base}/`);
  return page;
}

test("an anonymous visitor is sent to sign in, in Vietnamese, with strict cookies", async () => {
  const context = await browser.newContext({ viewport: desktop });
  const page = await context.newPage();
  const response = await page.goto(`${demo.base}/`);
  assert.equal(page.url(), `${demo.base}/sign-in`);
  assert.equal(await page.getAttribute("html", "lang"), "vi");
  assert.match(response.headers()["content-security-policy"], /frame-ancestors 'none'/);
  await assert.doesNotReject(page.getByRole("heading", { name: "Đăng nhập" }).waitFor());
  const [browserKey] = await context.cookies();
  assert.equal(browserKey.name, "odb_browser");
  assert.equal(browserKey.httpOnly, true);
  assert.equal(browserKey.sameSite, "Strict");
  // the keyboard reaches the skip link first
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement.className), "skip-link");
  await assertAccessible(page, "sign-in");
  await photograph(page, "sign-in");
  // English is a choice, kept in a cookie
  await page.getByRole("button", { name: "English" }).click();
  assert.equal(await page.getAttribute("html", "lang"), "en");
  await assert.doesNotReject(page.getByRole("heading", { name: "Sign in" }).waitFor());
  await context.close();
});

test("a wrong password is refused beside the form; the right one and a TOTP code sign in", async () => {
  const context = await browser.newContext({ viewport: desktop });
  const page = await context.newPage();
  await page.goto(`${demo.base}/sign-in`);
  await page.getByLabel("Tên đăng nhập").fill("demo.admin");
  await page.getByLabel("Mật khẩu").fill("not the password");
  await page.getByRole("button", { name: "Tiếp tục" }).click();
  await assert.doesNotReject(page.getByText("Tên đăng nhập hoặc mật khẩu không đúng.").waitFor());
  await context.close();

  admin = await signIn("demo.admin");
  await assert.doesNotReject(admin.getByRole("heading", { name: "Trang chủ" }).waitFor());
  const session = (await admin.context().cookies()).find((c) => c.name === "odb_session");
  assert.ok(session, "a session cookie");
  assert.equal(session.httpOnly, true);
  assert.equal(session.sameSite, "Strict");
  await assertAccessible(admin, "start");
  await photograph(admin, "start");
});

test("the organization tree shows the units as they stood on a date", async () => {
  await admin.goto(`${demo.base}/organizations`);
  await assert.doesNotReject(admin.getByRole("heading", { name: "Sơ đồ tổ chức" }).waitFor());
  await admin.getByLabel("Tại ngày").fill("ngày mai");
  await admin.getByRole("button", { name: "Xem" }).click();
  await assert.doesNotReject(admin.locator("#f-as-of-error").waitFor());
  await admin.getByLabel("Tại ngày").fill("30/06/2025");
  await admin.getByRole("button", { name: "Xem" }).click();
  await assert.doesNotReject(admin.getByText("Tổ chức tại ngày 30/06/2025.").waitFor());
  await assertAccessible(admin, "organization tree");
  await photograph(admin, "organizations");
});

test("a name typed without diacritics finds the person", async () => {
  await admin.goto(`${demo.base}/officials`);
  await admin.getByLabel("Họ và tên").fill("nguyen");
  await admin.getByRole("button", { name: "Tìm" }).click();
  const first = admin.locator("tbody th a").first();
  const name = (await first.textContent()).trim();
  assert.notEqual(fold(name), name, `a name with diacritics: ${name}`);
  await admin.getByLabel("Họ và tên").fill(fold(name));
  await admin.getByRole("button", { name: "Tìm" }).click();
  const found = admin.locator("tbody th a", { hasText: name }).first();
  await assert.doesNotReject(found.waitFor());
  profile = { name, path: await found.getAttribute("href") };
  await assertAccessible(admin, "search results");
  await photograph(admin, "search");
});

test("the profile is read in the sections of form 2C, also without JavaScript", async () => {
  await admin.goto(`${demo.base}${profile.path}`);
  await assert.doesNotReject(admin.getByRole("heading", { name: profile.name, level: 1 }).waitFor());
  for (const section of ["Sơ yếu lý lịch", "Nơi ở và liên lạc", "Tuyển dụng và công tác", "Trình độ"]) {
    await assert.doesNotReject(admin.getByRole("heading", { name: section, level: 2 }).waitFor());
  }
  await assertAccessible(admin, "profile");
  await photograph(admin, "profile");

  const plain = await browser.newContext({
    viewport: phone,
    javaScriptEnabled: false,
    storageState: await admin.context().storageState(),
  });
  const page = await plain.newPage();
  await page.goto(`${demo.base}${profile.path}`);
  await assert.doesNotReject(page.getByRole("heading", { name: profile.name, level: 1 }).waitFor());
  await photograph(page, "profile-phone");
  await plain.close();
});

test("a refused value is shown beside its field; the corrected address is saved", async () => {
  await admin.goto(`${demo.base}${profile.path}`);
  // contact data is masked on the profile; its form holds it in full, as a
  // reveal (the sign-in moments ago is the fresh second factor it needs;
  // the step-up after 15 minutes is in tests/api/portal.rs, on a test clock)
  const contact = admin.locator("section", { has: admin.getByRole("heading", { name: "Nơi ở và liên lạc" }) });
  await assert.doesNotReject(contact.getByText("***", { exact: true }).waitFor());
  await admin.getByRole("link", { name: "Sửa Nơi ở và liên lạc" }).click();
  assert.doesNotMatch(await admin.inputValue("#f-current-address"), /\*/);
  await admin.getByLabel("Thư điện tử").fill("không phải thư");
  await admin.getByRole("button", { name: "Lưu" }).click();
  const error = admin.locator("#f-email-error");
  await assert.doesNotReject(error.waitFor());
  assert.match(await error.textContent(), /Thư điện tử không đúng dạng/);
  assert.equal(await admin.getAttribute("#f-email", "aria-invalid"), "true");
  // the summary has the focus, so a screen reader reads the errors first
  assert.equal(await admin.evaluate(() => document.activeElement.className), "error-summary");
  await assertAccessible(admin, "edit form with an error");
  await photograph(admin, "edit-error");

  const address = "Số 12 phố Lý Thường Kiệt, phường Cửa Nam, Hà Nội";
  await admin.getByLabel("Thư điện tử").fill("can.bo@hanoi.gov.vn");
  await admin.getByLabel("Nơi ở hiện nay").fill(address);
  await admin.getByRole("button", { name: "Lưu" }).click();
  await assert.doesNotReject(admin.getByText("Đã lưu phần “Nơi ở và liên lạc”.").waitFor());
  // back on the profile revealed, so the officer sees the address they wrote
  assert.match(admin.url(), /\?reveal=true&saved=contact/);
  await assert.doesNotReject(admin.getByText(address).waitFor());

  await admin.getByRole("link", { name: "Lịch sử thay đổi" }).click();
  const change = admin.locator("tbody tr").first();
  assert.match(await change.textContent(), /Sửa thông tin.*Nơi ở hiện nay, Thư điện tử/);
  await assertAccessible(admin, "history");
});

test("the résumé prints with its diacritics and without the site's frame", async () => {
  const path = `${profile.path}/print`;
  await admin.goto(`${demo.base}${path}`);
  await admin.emulateMedia({ media: "print" });
  const header = await admin.evaluate(
    () => getComputedStyle(document.querySelector(".site-header")).display,
  );
  assert.equal(header, "none");
  await assert.doesNotReject(admin.getByText("SƠ YẾU LÝ LỊCH CÁN BỘ, CÔNG CHỨC").waitFor());
  await assert.doesNotReject(admin.getByText(profile.name.toUpperCase(), { exact: true }).waitFor());
  await photograph(admin, "resume-print", { fullPage: true });
  const pdf = await admin.pdf({ path: join(out, "resume.pdf"), format: "A4" });
  assert.ok(pdf.length > 10_000, "a printed résumé");
  await admin.emulateMedia({ media: "screen" });
  await assertAccessible(admin, "résumé");
});

test("the administrator's accounts, policies and the audit log are plain, accessible pages", async () => {
  await admin.getByRole("link", { name: "Quản trị", exact: true }).click();
  await assert.doesNotReject(admin.getByRole("heading", { name: "Tài khoản", level: 1 }).waitFor());
  await assertAccessible(admin, "accounts");
  await admin.getByRole("link", { name: "hanoi.officer", exact: true }).click();
  await assert.doesNotReject(admin.getByRole("heading", { name: "Quyền được giao" }).waitFor());
  await assertAccessible(admin, "account");
  await photograph(admin, "admin-account");
  await admin.goto(`${demo.base}/admin/policies`);
  await assertAccessible(admin, "level policies");
  await admin.getByRole("link", { name: "Nhật ký", exact: true }).click();
  await admin.getByLabel("Thao tác").fill("official.update");
  await admin.getByRole("button", { name: "Tìm" }).click();
  await assert.doesNotReject(admin.locator("td code", { hasText: "official.update" }).first().waitFor());
  await assertAccessible(admin, "audit log");
  await photograph(admin, "audit");
});

test("a unit's statistics show and download; a spreadsheet is tried before it is imported", async () => {
  await admin.getByRole("link", { name: "Thống kê", exact: true }).click();
  await admin.getByLabel("Biểu thống kê").selectOption("age_bands");
  await admin.getByLabel("Mã đơn vị", { exact: true }).fill("P01");
  await admin.getByRole("button", { name: "Xem thống kê" }).click();
  await assert.doesNotReject(admin.getByRole("heading", { name: "Độ tuổi", level: 2 }).waitFor());
  await assertAccessible(admin, "statistics");
  await photograph(admin, "statistics");
  const [download] = await Promise.all([
    admin.waitForEvent("download"),
    admin.getByRole("link", { name: "Tải về Excel (XLSX)" }).click(),
  ]);
  assert.match(download.suggestedFilename(), /^thong-ke-age_bands-P01-\d{4}-\d{2}-\d{2}\.xlsx$/);

  await admin.getByRole("link", { name: "Nhập dữ liệu từ bảng tính" }).click();
  await admin.getByLabel(/^Mã đơn vị nhập dữ liệu/).fill("P01");
  await admin.getByLabel(/^Tệp dữ liệu/).setInputFiles(join(repo, "fixtures", "imports", "so-noi-vu-p01.csv"));
  await assertAccessible(admin, "import form");
  await admin.getByRole("button", { name: "Chạy thử" }).click();
  await assert.doesNotReject(admin.getByText("Đây là kết quả chạy thử", { exact: false }).waitFor());
  await assert.doesNotReject(admin.getByRole("cell", { name: /31\/02\/1980/ }).waitFor());
  await assertAccessible(admin, "import dry run report");
  await photograph(admin, "import-dry-run", { fullPage: true });
});

test("an administrator unlocks an account locked by wrong passwords", async () => {
  const context = await browser.newContext({ viewport: desktop, locale: "vi-VN" });
  const visitor = await context.newPage();
  for (let i = 0; i < 5; i++) {
    await visitor.goto(`${demo.base}/sign-in`);
    await visitor.getByLabel("Tên đăng nhập").fill("hanoi.dossiers");
    await visitor.getByLabel("Mật khẩu").fill("mat-khau-sai-1234");
    await visitor.getByRole("button", { name: "Tiếp tục" }).click();
    await visitor.waitForLoadState();
  }
  await context.close();
  await admin.goto(`${demo.base}/admin/users`);
  await admin.getByRole("link", { name: "hanoi.dossiers", exact: true }).click();
  await admin.getByRole("link", { name: "Mở khóa tài khoản" }).click();
  await assertAccessible(admin, "unlocking an account");
  await admin.getByRole("button", { name: "Mở khóa tài khoản" }).click();
  await assert.doesNotReject(admin.locator("dd", { hasText: "Đang hoạt động" }).first().waitFor());

  // unlocked, the dossier officer records a dossier about a person of Hà Nội
  await admin.goto(`${demo.base}/organizations`);
  await admin.getByRole("link", { name: "Thành phố Hà Nội", exact: true }).click();
  await admin.getByRole("link", { name: "Cán bộ của đơn vị" }).click();
  const subject = (await admin.locator("tbody th a").first().getAttribute("href")).split("/").pop();
  const officer = await signIn("hanoi.dossiers");
  await officer.goto(`${demo.base}/dossiers?subject_id=${subject}`);
  await officer.getByRole("link", { name: "Lập hồ sơ mới" }).click();
  await officer.getByLabel(/^Loại hồ sơ/).selectOption("family_background");
  await officer.getByLabel(/^Tóm tắt/).fill("Hoàn cảnh gia đình");
  await officer.getByRole("button", { name: "Ghi hồ sơ" }).click();
  await assert.doesNotReject(officer.locator("#f-content-error").waitFor());
  await assertAccessible(officer, "a dossier's form with an error");
  await officer.getByLabel(/^Nội dung/).fill("Bố mẹ làm nông nghiệp tại Hà Nội.");
  await officer.getByRole("button", { name: "Ghi hồ sơ" }).click();
  await assert.doesNotReject(officer.getByText("Đã lập hồ sơ.").waitFor());
  await assertAccessible(officer, "a recorded dossier");
  await officer.context().close();
});

test("a record outside one's scope is refused as not found", async () => {
  // a profile managed in another city, found by the administrator from the tree
  let outside;
  for (const city of ["Thành phố Hồ Chí Minh", "Thành phố Đà Nẵng", "Thành phố Hải Phòng", "Thành phố Huế"]) {
    await admin.goto(`${demo.base}/organizations`);
    await admin.getByRole("link", { name: city, exact: true }).click();
    await admin.getByRole("link", { name: "Cán bộ của đơn vị" }).click();
    const first = admin.locator("tbody th a").first();
    if ((await first.count()) > 0) {
      outside = await first.getAttribute("href");
      break;
    }
  }
  assert.ok(outside, "a profile managed outside Hà Nội");

  const officer = await signIn("hanoi.officer");
  const response = await officer.goto(`${demo.base}${outside}`);
  assert.equal(response.status(), 404);
  await assert.doesNotReject(officer.getByRole("heading", { name: "Không tìm thấy" }).waitFor());
  await assertAccessible(officer, "refusal");
  await photograph(officer, "refused");
  await officer.context().close();
});

/** Today in Vietnam (UTC+7), as a person types it: dd/mm/yyyy. */
function todayTyped() {
  const now = new Date(Date.now() + 7 * 3600 * 1000);
  const two = (n) => String(n).padStart(2, "0");
  return `${two(now.getUTCDate())}/${two(now.getUTCMonth() + 1)}/${now.getUTCFullYear()}`;
}

test("a provincial party officer transfers a member; the receiving committee accepts", async () => {
  const officer = await signIn("hanoi.officer");
  await officer.getByRole("link", { name: "Đảng viên", exact: true }).click();
  await assert.doesNotReject(officer.getByRole("heading", { name: "Tổ chức đảng", level: 1 }).waitFor());
  await assertAccessible(officer, "party tree");
  await photograph(officer, "party-tree");

  await officer.getByRole("link", { name: "Tra cứu đảng viên" }).first().click();
  await officer.getByLabel("Họ và tên").fill("tran thi binh");
  await officer.getByRole("button", { name: "Tìm" }).click();
  await officer.getByRole("link", { name: "Trần Thị Bình", exact: true }).click();
  await assert.doesNotReject(officer.getByRole("heading", { name: "Quá trình sinh hoạt đảng" }).waitFor());
  await assertAccessible(officer, "party member");
  await photograph(officer, "party-member", { fullPage: true });

  await officer.getByRole("link", { name: "Khen thưởng, kỷ luật", exact: true }).click();
  await officer.getByLabel(/^Loại quyết định/).selectOption("reward");
  await officer.getByLabel(/^Ngày quyết định/).fill(todayTyped());
  await officer.getByLabel(/^Số quyết định/).fill("12-QĐ/ĐU");
  await officer.getByLabel(/^Cấp ủy quyết định/).fill("Đảng ủy phường Hoàn Kiếm");
  await officer.getByRole("button", { name: "Ghi quyết định" }).click();
  await assert.doesNotReject(officer.locator("#f-form-error").waitFor());
  await assertAccessible(officer, "a reward's form with an error");
  await officer.getByLabel(/^Hình thức/).fill("Giấy khen");
  await officer.getByRole("button", { name: "Ghi quyết định" }).click();
  await assert.doesNotReject(officer.getByText("Khen thưởng: Giấy khen").waitFor());

  await officer.getByRole("link", { name: "Chuyển sinh hoạt đảng", exact: true }).click();
  await officer.getByLabel("Mã chi bộ nơi đến").fill("KHONG-CO-MA-NAY");
  await officer.getByLabel("Ngày chuyển").fill(todayTyped());
  await officer.getByLabel("Số quyết định").fill("45-GGT/ĐU");
  await officer.getByLabel("Cấp ủy chuyển đi").fill("Đảng ủy phường Hoàn Kiếm");
  await officer.getByRole("button", { name: "Chuyển sinh hoạt", exact: true }).click();
  const error = officer.locator("#f-to-party-organization-code-error");
  await assert.doesNotReject(error.waitFor());
  assert.match(await error.textContent(), /Không có chi bộ đang hoạt động nào có mã này/);
  assert.equal(await officer.inputValue("#f-decision-number"), "45-GGT/ĐU", "what was typed stays");
  await assertAccessible(officer, "transfer form with an error");
  await photograph(officer, "party-transfer-error");
  await officer.getByLabel("Mã chi bộ nơi đến").fill("CB-P27-TIENDU-PHATTICH-2025-2");
  await officer.getByRole("button", { name: "Chuyển sinh hoạt", exact: true }).click();
  await assert.doesNotReject(officer.getByText("Đã lập giấy chuyển sinh hoạt.", { exact: false }).waitFor());
  await officer.context().close();

  const receiving = await signIn("bacninh.party");
  await assert.doesNotReject(
    receiving.getByRole("heading", { name: "Chuyển sinh hoạt đảng chờ bạn tiếp nhận" }).waitFor(),
  );
  await assertAccessible(receiving, "start page with outstanding items");
  await photograph(receiving, "start-outstanding");
  await receiving.getByRole("link", { name: "Trần Thị Bình", exact: true }).click();
  await receiving.getByLabel("Ngày tiếp nhận").fill(todayTyped());
  await receiving.getByLabel("Số quyết định").fill("3-TN/ĐU");
  await receiving.getByLabel("Cấp ủy tiếp nhận").fill("Đảng ủy xã Phật Tích");
  await assertAccessible(receiving, "transfer to accept");
  await receiving.getByRole("button", { name: "Tiếp nhận", exact: true }).click();
  await assert.doesNotReject(receiving.getByText("Đã tiếp nhận đảng viên chuyển đến.").waitFor());
  await assert.doesNotReject(
    receiving.locator("dd", { hasText: "Chi bộ khu dân cư số 2" }).first().waitFor(),
  );
  await receiving.context().close();
});

test("a clerk registers a document and sees its number; the groupware pages are accessible", async () => {
  const clerk = await signIn("hanoi.clerk");
  await assertAccessible(clerk, "start page with notices");
  await clerk.getByRole("link", { name: "Sổ công văn" }).first().click();
  await assertAccessible(clerk, "correspondence register");
  await clerk.getByRole("link", { name: "Vào sổ văn bản" }).click();
  await clerk.getByLabel("Mã đơn vị vào sổ").fill("P01");
  await clerk.getByLabel(/^Loại sổ/).selectOption("incoming");
  await clerk.getByLabel(/^Loại văn bản/).selectOption("decision");
  await clerk.getByLabel(/^Thể thức/).selectOption("state");
  await clerk.getByLabel(/^Số văn bản/).fill("12");
  await clerk.getByLabel("Ký hiệu cơ quan ban hành").fill("BNV");
  await clerk.getByLabel("Ngày ban hành").fill(todayTyped());
  await clerk.getByLabel(/^Cơ quan ban hành/).fill("Bộ Nội vụ");
  await clerk.getByRole("button", { name: "Vào sổ văn bản" }).click();
  // a required field left blank comes back beside its field
  await assert.doesNotReject(clerk.locator("#f-subject-error").waitFor());
  await assertAccessible(clerk, "registration form with an error");
  await clerk.getByLabel(/^Trích yếu/).fill("Về việc điều động cán bộ");
  await clerk.getByRole("button", { name: "Vào sổ văn bản" }).click();
  await assert.doesNotReject(clerk.getByText(/Đã vào sổ, số \d+\//).waitFor());
  await assertAccessible(clerk, "a registered document");
  await clerk.goto(`${demo.base}/tasks`);
  await assertAccessible(clerk, "my tasks");
  await clerk.goto(`${demo.base}/rooms`);
  await assertAccessible(clerk, "meeting rooms");
  await clerk.context().close();
});

/** A day `days` from today in Vietnam, as a person types it. */
function dayTyped(days) {
  const at = new Date(Date.now() + 7 * 3600 * 1000 + days * 86400 * 1000);
  const two = (n) => String(n).padStart(2, "0");
  return `${two(at.getUTCDate())}/${two(at.getUTCMonth() + 1)}/${at.getUTCFullYear()}`;
}

test("a room is booked and cancelled; a trip is proposed; a document is closed", async () => {
  const staff = await signIn("ccop.chuyenvien");
  await staff.goto(`${demo.base}/rooms`);
  await staff.getByRole("link", { name: "Đặt phòng" }).first().click();
  await staff.getByLabel(/^Nội dung cuộc họp/).fill("Họp tổ soạn thảo");
  await staff.getByLabel(/^Số người dự/).fill("4");
  await staff.getByLabel(/^Ngày họp/).fill(dayTyped(40));
  await staff.getByLabel(/^Giờ bắt đầu/).fill("19:00");
  await staff.getByLabel(/^Giờ kết thúc/).fill("20:00");
  await staff.getByRole("button", { name: "Đặt phòng" }).click();
  await assert.doesNotReject(staff.getByText("Đã đặt phòng.").waitFor());
  await assertAccessible(staff, "a booking");
  await staff.getByRole("button", { name: "Hủy đặt phòng" }).click();
  await assert.doesNotReject(staff.getByText("Đã hủy đặt phòng", { exact: false }).waitFor());

  await staff.goto(`${demo.base}/trips`);
  await assertAccessible(staff, "business trips");
  await staff.getByRole("link", { name: "Đề nghị đi công tác" }).click();
  await staff.getByLabel(/^Mã đơn vị/).fill("BTCTW");
  await staff.getByLabel(/^Mục đích chuyến đi/).fill("Khảo sát công tác cán bộ");
  await staff.getByLabel(/^Nơi đến/).fill("Bắc Ninh");
  await staff.getByLabel(/^Ngày đi/).fill(dayTyped(10));
  await staff.getByLabel(/^Ngày về/).fill(dayTyped(8));
  await staff.getByRole("button", { name: "Đề nghị đi công tác" }).click();
  await assert.doesNotReject(staff.locator("#f-ends-on-error").waitFor());
  await assertAccessible(staff, "trip proposal with an error");
  await staff.getByLabel(/^Ngày về/).fill(dayTyped(12));
  await staff.getByRole("button", { name: "Đề nghị đi công tác" }).click();
  await assert.doesNotReject(staff.getByText("Đã gửi đề nghị đi công tác.").waitFor());
  await assertAccessible(staff, "a trip");

  await staff.goto(`${demo.base}/documents`);
  await staff.locator("tbody th a, tbody td a").first().click();
  await assertAccessible(staff, "a document with its status form");
  await staff.getByRole("link", { name: "Giao xử lý" }).click();
  await staff.getByLabel(/^Tìm người theo tên/).fill("nguyen");
  await staff.getByRole("button", { name: "Tìm", exact: true }).click();
  await assertAccessible(staff, "colleagues found to assign a document");
  await staff.getByRole("button", { name: "Giao xử lý" }).click();
  await assert.doesNotReject(staff.locator("#f-assignees-error").waitFor());
  await assertAccessible(staff, "an assignment without a lead");
  await staff.context().close();
});

// Last: a long import holds the audit log's lock until it ends, so
// audited actions of the tests above would wait for it.
test("a long import's report follows it until it ends, in place", async () => {
  const rows = [
    "Họ và tên;Giới tính;Ngày sinh;Số định danh cá nhân;Dân tộc;Ngạch;Phân loại;Hệ số lương;Phụ cấp thâm niên;Đơn vị",
  ];
  for (let i = 0; i < 800; i++) {
    const code = String(1_090_100_000 + i).padStart(12, "0");
    rows.push(`Người Thử ${i};Nam;15/03/1980;${code};Kinh;Chuyên viên;Công chức;3,33;5%;P01`);
  }
  await admin.goto(`${demo.base}/imports/new`);
  await admin.getByLabel(/^Mã đơn vị nhập dữ liệu/).fill("P01");
  await admin
    .getByLabel(/^Tệp dữ liệu/)
    .setInputFiles({ name: "dai.csv", mimeType: "text/csv", buffer: Buffer.from(rows.join("\n")) });
  await admin.getByRole("button", { name: "Chạy thử" }).click();
  // longer than the answer waits: the report of the running import
  await assert.doesNotReject(admin.getByRole("status").filter({ hasText: "Đang nhập" }).waitFor());
  assert.match(admin.url(), /\/imports\/[0-9a-f-]{36}$/);
  await assertAccessible(admin, "a running import's report");
  await admin.evaluate(() => {
    window.odbSamePage = true;
  });
  await assert.doesNotReject(
    admin.getByText("Đây là kết quả chạy thử", { exact: false }).waitFor({ timeout: 300_000 }),
  );
  assert.equal(await admin.evaluate(() => window.odbSamePage), true, "updated in place, not reloaded");
  await assertAccessible(admin, "an import's report once it ended");
});
