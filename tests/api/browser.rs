//! The portal in a real browser: tests/browser (Playwright driving Debian's
//! chromium against `odb demo`), run as part of `cargo test` so the one
//! test command covers it. Needs chromium, node and npm installed.

use std::path::Path;
use std::process::Command;

fn run(step: &str, command: &mut Command) {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("{step}: cannot run ({e}); install nodejs and npm"));
    assert!(
        output.status.success(),
        "{step} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn the_portal_works_in_a_real_browser() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "the browser tests need Debian's chromium: apt-get install chromium"
    );
    if !dir.join("node_modules/playwright-core").exists() {
        run(
            "npm ci",
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&dir),
        );
    }
    run(
        "the browser tests (npm test)",
        Command::new("npm")
            .arg("test")
            .current_dir(&dir)
            .env("ODB_BIN", env!("CARGO_BIN_EXE_odb")),
    );
}
