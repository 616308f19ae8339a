//! AP6: each user's outstanding items, and statistics on documents and
//! tasks handled on time and late, by unit and period.

pub mod model;
pub mod repo;
pub mod routes;
pub mod service;
