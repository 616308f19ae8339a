//! What can go wrong with keys and sealed values, and how it reaches a
//! response: never with a value or a key in it.

use crate::error::AppError;

#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("the master key does not match the one this database was set up with")]
    WrongMasterKey,
    #[error("the database has no keyring yet: initialize it as the database owner first")]
    NoKeyring,
    #[error("a sealed value names data key version {0}, which this database does not hold")]
    UnknownKeyVersion(u32),
    #[error("a sealed value is malformed")]
    Malformed,
    #[error(
        "a sealed value failed authentication: it was altered, or moved from another row or column"
    )]
    Open,
    #[error("invalid master key: {0}")]
    BadMasterKey(String),
    #[error(
        "a master-key rotation is under way: adding a key needs both master keys \
         (ODB_MASTER_KEY the new one, ODB_MASTER_KEY_PREVIOUS the old one), \
         or retire the old one first with `odb keys retire-master`"
    )]
    BothMasterKeysNeeded,
    #[error("{0}")]
    Refused(String),
    #[error("database error: {0}")]
    Db(#[from] diesel::result::Error),
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

impl From<CryptoError> for AppError {
    fn from(error: CryptoError) -> Self {
        match error {
            CryptoError::Db(e) => AppError::Database(e),
            // Fixed messages: a response must never echo a value or a key.
            CryptoError::Open => AppError::Internal("a sealed value failed authentication".into()),
            CryptoError::Malformed => AppError::Internal("a sealed value is malformed".into()),
            CryptoError::UnknownKeyVersion(v) => {
                AppError::Internal(format!("a sealed value names unknown data key version {v}"))
            }
            CryptoError::WrongMasterKey
            | CryptoError::NoKeyring
            | CryptoError::BothMasterKeysNeeded => AppError::Unavailable(error.to_string()),
            CryptoError::BadMasterKey(_) | CryptoError::Refused(_) | CryptoError::Io(_) => {
                AppError::Internal(error.to_string())
            }
        }
    }
}
