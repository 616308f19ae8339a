//! CBCCVC profiles (Table 26) in field-encrypted tables, their histories, and search.

pub mod codec;
pub mod input;
pub mod model;
pub mod records;
pub mod repo;
pub mod routes;
pub mod salary;
pub mod service;
pub mod view;
