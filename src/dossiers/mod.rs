//! Internal-politics dossiers (DB3): sealed, append-only records about a
//! person, seen only by the dossier officers over the person's managing
//! organization (docs/decisions/0016-dossiers-hidden-sealed-append-only.md).

pub mod codec;
pub mod input;
pub mod model;
pub mod repo;
pub mod routes;
pub mod service;
