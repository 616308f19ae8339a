//! The master key: 32 bytes from the environment or a key file, never stored
//! in the database and never printed.

use std::fmt;
use std::io::Write;
use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use ring::rand::{SecureRandom, SystemRandom};

use super::keyring::CryptoError;

pub const MASTER_KEY_LEN: usize = 32;

/// Environment variable holding the master key itself (base64).
pub const ENV_KEY: &str = "ODB_MASTER_KEY";
/// Environment variable holding, during a master-key rotation, the key
/// being replaced (base64).
pub const ENV_KEY_PREVIOUS: &str = "ODB_MASTER_KEY_PREVIOUS";

/// The key that wraps the data keys and the blind-index keys.
pub struct MasterKey([u8; MASTER_KEY_LEN]);

/// The master keys an odb process is given: the one it uses and, while a
/// master-key rotation is under way, the one being replaced. The keyring
/// opens with whichever of the two the database accepts.
#[derive(Debug)]
pub struct MasterKeys {
    pub current: MasterKey,
    pub previous: Option<MasterKey>,
}

impl From<MasterKey> for MasterKeys {
    fn from(current: MasterKey) -> Self {
        MasterKeys {
            current,
            previous: None,
        }
    }
}

/// Never shows the bytes: a key in a log line is a leaked key.
impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey(..)")
    }
}

impl MasterKey {
    /// Standard-alphabet base64 of exactly 32 bytes; surrounding whitespace is ignored.
    pub fn from_base64(text: &str) -> Result<Self, CryptoError> {
        // The error names the problem, never the content.
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| CryptoError::BadMasterKey("not valid base64".into()))?;
        Self::from_bytes(&bytes)
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        let key: [u8; MASTER_KEY_LEN] = bytes.try_into().map_err(|_| {
            CryptoError::BadMasterKey(format!(
                "must be {MASTER_KEY_LEN} bytes, found {}",
                bytes.len()
            ))
        })?;
        Ok(MasterKey(key))
    }

    /// The key in the environment variable `name` (base64), None when unset.
    pub fn from_env_var(name: &str) -> Result<Option<Self>, CryptoError> {
        let Some(value) = std::env::var_os(name).filter(|v| !v.is_empty()) else {
            return Ok(None);
        };
        let text = value
            .to_str()
            .ok_or_else(|| CryptoError::BadMasterKey(format!("{name} is not valid UTF-8")))?;
        Self::from_base64(text)
            .map_err(|e| CryptoError::BadMasterKey(format!("{name}: {}", reason(e))))
            .map(Some)
    }

    /// A file holding base64 text, or exactly 32 raw bytes.
    pub fn load_file(path: &Path) -> Result<Self, CryptoError> {
        let content = std::fs::read(path)?;
        warn_if_exposed(path);
        // 32 raw bytes are never valid base64 of 32 bytes (that takes 44
        // characters), so the two forms cannot be confused.
        if let Ok(text) = std::str::from_utf8(&content) {
            if let Ok(key) = Self::from_base64(text) {
                return Ok(key);
            }
        }
        if content.len() == MASTER_KEY_LEN {
            return Self::from_bytes(&content);
        }
        Err(CryptoError::BadMasterKey(format!(
            "{} holds neither base64 of {MASTER_KEY_LEN} bytes nor {MASTER_KEY_LEN} raw bytes",
            path.display()
        )))
    }

    /// Reads the file, or creates it (0600, base64 text) with a random key.
    pub fn load_or_create_file(path: &Path) -> Result<Self, CryptoError> {
        if path.exists() {
            return Self::load_file(path);
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let key = Self::generate()?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        match options.open(path) {
            Ok(mut file) => {
                file.write_all(format!("{}\n", STANDARD.encode(key.0)).as_bytes())?;
                file.sync_all()?;
                tracing::info!(path = %path.display(), "created a new master key file");
                Ok(key)
            }
            // Another process created it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Self::load_file(path),
            Err(e) => Err(e.into()),
        }
    }

    pub(crate) fn generate() -> Result<Self, CryptoError> {
        let mut key = [0u8; MASTER_KEY_LEN];
        SystemRandom::new()
            .fill(&mut key)
            .map_err(|_| super::aead::no_randomness())?;
        Ok(MasterKey(key))
    }

    pub(crate) fn bytes(&self) -> &[u8; MASTER_KEY_LEN] {
        &self.0
    }
}

fn reason(error: CryptoError) -> String {
    match error {
        CryptoError::BadMasterKey(reason) => reason,
        other => other.to_string(),
    }
}

/// A key file others can read defeats the point of keeping it out of the database.
fn warn_if_exposed(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.permissions().mode() & 0o077 != 0 {
                tracing::warn!(
                    path = %path.display(),
                    "the master key file is accessible to group or others; chmod 600 it"
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}
