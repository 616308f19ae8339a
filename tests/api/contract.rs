//! api/openapi.yaml must describe exactly the routes the code serves.

use std::collections::BTreeSet;
use std::path::Path;

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

fn source_files(dir: &Path, out: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(std::fs::read_to_string(path).unwrap());
        }
    }
}

/// Every `web::resource("...")` with the methods routed on it.
fn routes_in_code() -> BTreeSet<(String, String)> {
    let mut files = Vec::new();
    source_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let mut routes = BTreeSet::new();
    for text in files {
        let pieces: Vec<&str> = text.split("web::resource(").skip(1).collect();
        for piece in pieces {
            let path = piece
                .trim_start()
                .trim_start_matches('"')
                .split('"')
                .next()
                .unwrap();
            let full = if path.starts_with("/healthz") || path.starts_with("/readyz") {
                path.to_owned()
            } else {
                format!("/api/v1{path}")
            };
            // the methods routed before the next resource or the end of the route table
            let table = piece.split("\n}\n").next().unwrap();
            for method in METHODS {
                if table.contains(&format!("web::{method}()")) {
                    routes.insert((method.to_owned(), full.clone()));
                }
            }
        }
    }
    routes
}

fn routes_in_spec() -> BTreeSet<(String, String)> {
    let spec =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("api/openapi.yaml"))
            .unwrap();
    let mut routes = BTreeSet::new();
    let mut in_paths = false;
    let mut current: Option<String> = None;
    for line in spec.lines() {
        if !line.starts_with(' ') && !line.is_empty() {
            in_paths = line.trim_end() == "paths:";
            continue;
        }
        if !in_paths {
            continue;
        }
        if let Some(path) = line.strip_prefix("  /") {
            current = Some(format!(
                "/{}",
                path.trim_end()
                    .trim_end_matches(':')
                    .trim_matches('"')
                    .trim_matches('\'')
            ));
        } else if let (Some(path), Some(method)) = (&current, line.strip_prefix("    ")) {
            let method = method.trim_end().trim_end_matches(':');
            if METHODS.contains(&method) {
                routes.insert((method.to_owned(), path.clone()));
            }
        }
    }
    routes
}

#[test]
fn the_openapi_document_lists_exactly_the_served_routes() {
    let code = routes_in_code();
    let spec = routes_in_spec();
    assert!(
        code.len() > 40,
        "the route scan found the route table: {code:?}"
    );
    let missing: Vec<_> = code.difference(&spec).collect();
    let stale: Vec<_> = spec.difference(&code).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "not in api/openapi.yaml: {missing:?}\nin the spec but not served: {stale:?}"
    );
}
