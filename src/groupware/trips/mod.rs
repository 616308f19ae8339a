//! Business trips (AP5): purpose, destination, dates, members, approval,
//! linked documents.

pub mod model;
pub mod repo;
pub mod routes;
pub mod service;
