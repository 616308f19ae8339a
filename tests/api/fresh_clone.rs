//! What a new user meets first on a fresh clone: the README's examples, the
//! command line without a master key, the logs.

use std::process::{Command, Stdio};

use odb::fixtures::officials::{generate, DEMO_PROFILES, DEMO_SEED};

use crate::helpers::*;

/// The profile search the README shows, as a path with its query.
fn readme_search() -> String {
    let readme = include_str!("../../README.md");
    let line = readme
        .lines()
        .find(|l| l.contains("/api/v1/officials?q="))
        .expect("the README shows a profile search");
    let start = line.find("/api/v1/officials?q=").unwrap();
    line[start..].split('\'').next().unwrap().to_owned()
}

#[test]
fn the_readme_search_finds_people_in_the_demo() {
    let app = TestApp::with_demo();
    let mut conn = app.db.connect();
    generate(
        &mut conn,
        &app.keyring,
        DEMO_PROFILES,
        DEMO_SEED,
        app.clock.now(),
        &mut |_| {},
    )
    .unwrap();
    let search = readme_search();
    let (status, page) = json(app.get(&search));
    assert_eq!(status, 200, "{page}");
    let names: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| odb::text::fold(o["full_name"].as_str().unwrap()))
        .collect();
    assert!(!names.is_empty(), "{search} finds nobody in the demo");
    let query = search.split("q=").nth(1).unwrap().replace("%20", " ");
    for name in &names {
        let held: Vec<&str> = name.split(' ').collect();
        assert!(
            query.split(' ').all(|word| held.contains(&word)),
            "{name} for {search}"
        );
    }
}

/// `odb` with `args`, nothing of the tests' environment, and `data_dir`.
fn odb_without_key(data_dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_odb"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .output()
        .unwrap()
}

#[test]
fn without_a_master_key_commands_say_so_before_starting_a_database() {
    let data_dir =
        std::env::temp_dir().join(format!("odb-fresh-{}", uuid::Uuid::new_v4().simple()));
    for args in [
        &["keys", "status"][..],
        &["keys", "rotate"],
        &["fixtures", "load", "demo"],
        &["serve"],
    ] {
        let run = odb_without_key(&data_dir, args);
        assert!(!run.status.success(), "{args:?}");
        let message = String::from_utf8_lossy(&run.stderr);
        assert!(message.contains("no master key"), "{args:?}: {message}");
        assert!(
            !data_dir.exists(),
            "{args:?} created {} (a cluster was started)",
            data_dir.display()
        );
    }
}

#[test]
fn logs_written_to_a_file_carry_no_colour_codes() {
    let app = TestApp::spawn();
    let log = std::env::temp_dir().join(format!("odb-log-{}", uuid::Uuid::new_v4().simple()));
    let status = Command::new(env!("CARGO_BIN_EXE_odb"))
        .args(["keys", "rotate"])
        .env("DATABASE_URL", &app.db.url)
        .env("ODB_MASTER_KEY", &app.master_key)
        .env("ODB_LOG", "info")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .status()
        .unwrap();
    assert!(status.success());
    let text = std::fs::read_to_string(&log).unwrap();
    std::fs::remove_file(&log).ok();
    assert!(text.contains("INFO"), "the rotation logs at info: {text}");
    assert!(!text.contains('\u{1b}'), "escape codes in a file: {text:?}");
}
