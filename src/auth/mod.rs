//! Accounts, two factors, sessions, grants scoped to subtrees, level policies.

pub mod admin;
pub mod attempts;
pub mod caller;
pub mod model;
pub mod password;
pub mod repo;
pub mod routes;
pub mod secret;
pub mod service;
pub mod sign_in;
pub mod totp;
