//! api/openapi.yaml must describe exactly the routes the application
//! registers, and its schemas must reject what they do not describe (every
//! exchange of the other tests is checked against them in helpers.rs).

use std::collections::BTreeSet;

use serde_json::json;

use crate::openapi::{spec, Exchange};

fn served_routes() -> BTreeSet<(String, String)> {
    odb::http::route_list()
        .into_iter()
        .map(|(method, path)| (method.to_lowercase(), path))
        .collect()
}

#[test]
fn the_openapi_document_lists_exactly_the_served_routes() {
    let served = served_routes();
    let described = spec().routes();
    assert!(served.len() > 40, "the route table: {served:?}");
    let missing: Vec<_> = served.difference(&described).collect();
    let stale: Vec<_> = described.difference(&served).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "not in api/openapi.yaml: {missing:?}\nin the spec but not served: {stale:?}"
    );
}
