//! The stylesheet and the small script, compiled into the binary and served
//! from this site (the only sources the pages' CSP allows).

use actix_web::HttpResponse;

const CSS: &str = include_str!("assets/portal.css");
const JS: &str = include_str!("assets/portal.js");

fn asset(content_type: &str, body: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(body)
}

pub async fn stylesheet() -> HttpResponse {
    asset("text/css; charset=utf-8", CSS)
}

pub async fn script() -> HttpResponse {
    asset("text/javascript; charset=utf-8", JS)
}
