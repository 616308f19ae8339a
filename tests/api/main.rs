//! Black-box tests against the real server and a real PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod auth;
mod contract;
mod crypto;
mod errors;
mod helpers;
mod officials;
mod openapi;
mod organizations;
mod party;
mod reorganizations;
mod schema;
mod staffing;
