//! Tasks and assignments (AP5), on their own or from a registered document.

pub mod input;
pub mod model;
pub mod repo;
pub mod routes;
pub mod service;
