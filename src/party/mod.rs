//! DB2: the party organization tree and the party members, scoped by the
//! party tree (docs/decisions/0020-party-scope-by-attached-committees.md).

pub mod codec;
pub mod member;
pub mod model;
pub mod repo;
pub mod routes;
pub mod search;
pub mod service;
pub mod sheet;
pub mod transfer;
pub mod view;
