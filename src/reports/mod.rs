//! Reports: the Table 27 statistics of a subtree on a date, counted by
//! PostgreSQL, and lists exported as CSV or XLSX.

pub mod model;
pub mod repo;
pub mod resume;
pub mod routes;
pub mod service;
