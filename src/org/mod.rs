pub mod model;
pub mod reorg;
pub mod repo;
pub mod routes;
pub mod service;
