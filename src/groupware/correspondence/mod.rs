//! The correspondence register (DB4): incoming, outgoing and working
//! documents, the secret register, handling and files.

pub mod clearance;
pub mod codec;
pub mod input;
pub mod model;
pub mod repo;
pub mod routes;
pub mod service;
