//! Sealing and indexing within one transaction, under the keys active
//! when it began.

use uuid::Uuid;

use super::error::CryptoError;
use super::keyring::Keyring;

/// Seals and indexes under the key versions active when it was taken, once
/// per transaction.
pub struct Sealer<'k> {
    keyring: &'k Keyring,
    version: u32,
    blind_version: u32,
}

impl<'k> Sealer<'k> {
    pub(crate) fn new(keyring: &'k Keyring, version: u32, blind_version: u32) -> Self {
        Sealer {
            keyring,
            version,
            blind_version,
        }
    }

    pub fn version(&self) -> u32 {
        self.version
    }

    /// The blind-index key version `blind_index` computes with.
    pub fn blind_version(&self) -> u32 {
        self.blind_version
    }

    /// `[version: u32 BE][nonce: 12][ciphertext+tag]`, bound to table, column and row.
    pub fn seal(
        &self,
        table: &str,
        column: &str,
        row: Uuid,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        self.keyring
            .seal_under(self.version, table, column, row, plaintext)
    }

    pub fn seal_str(
        &self,
        table: &str,
        column: &str,
        row: Uuid,
        text: &str,
    ) -> Result<Vec<u8>, CryptoError> {
        self.seal(table, column, row, text.as_bytes())
    }

    /// The index a row written now carries.
    pub fn blind_index(
        &self,
        table: &str,
        column: &str,
        normalized: &str,
        whole: bool,
    ) -> Result<Vec<u8>, CryptoError> {
        self.keyring
            .blind_index_under(self.blind_version, table, column, normalized, whole)
    }
}
