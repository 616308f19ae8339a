//! Black-box tests against the real server and a real PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod auth;
mod browser;
mod contract;
mod credentials;
mod crypto;
mod dossiers;
mod edges;
mod errors;
mod fresh_clone;
mod helpers;
mod keys;
mod officials;
mod openapi;
mod organizations;
mod party;
mod portal;
mod privacy;
mod profile_2c;
mod reorganizations;
mod request_path;
mod schema;
mod sealed_secrets;
mod staffing;
