//! The audit log: an append-only, hash-chained record of who did what.
//!
//! Each row's hash covers its content and the previous row's hash, so
//! altering, deleting or inserting a row breaks the chain at that row. The
//! table's trigger and the `odb_app` grants (SELECT, INSERT only) keep the
//! service itself from rewriting history; signed checkpoints kept outside the
//! database catch whoever bypasses both and recomputes the chain.

mod append;
mod chain;
mod checkpoint;
mod list;
pub mod routes;
mod schema;
mod search;
mod verify;

pub use append::{append, append_all, AuditEvent, OUTCOMES};
pub use checkpoint::{load_or_create_key, Checkpoint, CheckpointStore};
pub use list::{list, AuditEntry, AuditFilter};
pub use search::{entries, AuditQuery, AuditSearch};
pub use verify::{verify, VerifyError, VerifyReport};
