//! Bulk imports of profiles (and organizations) from agencies' spreadsheets: a column mapping,
//! normalization of what differs between agencies, a dry run reporting
//! every fault by row and column, and real runs that update the people
//! already held instead of duplicating them.

pub mod model;
pub mod normalize;
pub mod repo;
pub mod routes;
pub mod service;
pub mod sheet;
mod units;
