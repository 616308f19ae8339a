//! The directory of colleagues the groupware assigns work to, invites and
//! sends on trips: accounts at home in the caller's groupware units,
//! found by name.

pub mod model;
pub mod repo;
pub mod routes;
pub mod service;
