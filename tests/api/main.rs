//! Black-box tests against the real server and a real PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod auth;
mod errors;
mod helpers;
mod organizations;
mod reorganizations;
mod staffing;
