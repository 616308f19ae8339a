//! Field encryption: the master key, the database's keyring of data keys
//! and blind-index keys, sealed columns, blind indexes for lookups, and the
//! rotation of every key.
//!
//! The master key never reaches the database; the database holds data keys
//! and blind-index keys wrapped under it. Every sealed value names the data
//! key version that sealed it and is bound (AAD) to its table, column and
//! row, so a value copied elsewhere fails to open instead of reading as
//! someone else's data.

mod aead;
pub mod columns;
mod error;
pub mod keyring;
pub mod master;
pub mod master_rotation;
mod reindex;
mod reseal;
pub mod rotation;
mod sealer;
pub mod status;
mod workers;
mod wrapping;

pub use aead::{key_version, normalize_identifier};
pub use columns::{
    BlindIndexedColumn, BlindIndexedTable, SealedColumn, BLIND_INDEXED_TABLES, SEALED_COLUMNS,
};
pub use error::CryptoError;
pub use keyring::Keyring;
pub use master::{MasterKey, MasterKeys};
pub use master_rotation::{retire_previous_master, rotate_master, MasterRotationReport};
pub use reindex::rotate_blind_index;
pub use rotation::{rotate, RotationReport};
pub use sealer::Sealer;
pub use status::{status, BlindIndexKeyStatus, KeyStatus, KeyVersionStatus, MasterKeyStatus};
pub use workers::Progress;
