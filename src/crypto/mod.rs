//! Field encryption: the master key, the database's keyring of data keys,
//! sealed columns, blind indexes for lookups, and key rotation.
//!
//! The master key never reaches the database; the database holds data keys
//! wrapped under it. Every sealed value names the data key version that sealed
//! it and is bound (AAD) to its table, column and row, so a value copied
//! elsewhere fails to open instead of reading as someone else's data.

pub mod keyring;
pub mod master;
pub mod rotation;

pub use keyring::{key_version, normalize_identifier, CryptoError, Keyring, Sealer};
pub use master::MasterKey;
pub use rotation::{
    rotate, status, KeyStatus, KeyVersionStatus, RotationReport, SealedColumn, SEALED_COLUMNS,
};
