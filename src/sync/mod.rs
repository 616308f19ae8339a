//! Synchronization with MOHA (issue 13, docs/integration/moha-sync.md): machine clients that
//! sign their requests, batches of change events applied through the
//! officials services, and what the source needs to catch up (status,
//! rejected events, replay).

pub mod clients;
pub mod feed;
pub mod model;
pub mod repo;
pub mod routes;
pub mod service;
pub mod signature;
