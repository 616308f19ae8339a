//! Meeting rooms and their bookings (AP5): no double booking, ever.

pub mod input;
pub mod model;
pub mod repo;
pub mod routes;
pub mod service;
