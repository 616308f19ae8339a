//! Signed checkpoints of the chain's head, kept outside the database: whoever
//! can rewrite the table can recompute every hash, but cannot forge a line
//! here without the key, which the database never holds.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use diesel::PgConnection;
use hmac::{Hmac, Mac};
use rand::rngs::OsRng;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use super::chain;
use super::verify::VerifyError;

/// "This row had this hash at this time", signed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub id: i64,
    /// Lowercase hex of the row's hash.
    pub hash: String,
    /// RFC 3339, microseconds, UTC: the exact text the mac covers.
    pub at: String,
    /// Hex HMAC-SHA256 over `id|hash|at`.
    pub mac: String,
}

pub struct CheckpointStore {
    path: PathBuf,
    key: [u8; 32],
}

impl CheckpointStore {
    pub fn new(path: PathBuf, key: [u8; 32]) -> Self {
        CheckpointStore { path, key }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends a checkpoint of the newest row unless the last line already
    /// names it. First confirms that the last checkpoint still matches the
    /// table, so a rewrite is reported rather than blessed by a new line.
    pub fn write_latest(
        &self,
        conn: &mut PgConnection,
        now: DateTime<Utc>,
    ) -> Result<Option<Checkpoint>, VerifyError> {
        let last = self.last()?;
        if let Some(last) = &last {
            confirm(conn, last)?;
        }
        let Some(head) = chain::latest(conn)? else {
            return Ok(None);
        };
        if !head.is_intact() {
            return Err(VerifyError::Altered { id: head.id });
        }
        if last.is_some_and(|l| l.id == head.id) {
            return Ok(None);
        }
        let checkpoint = self.sign(head.id, hex::encode(&head.hash), now);
        self.append_line(&checkpoint)?;
        Ok(Some(checkpoint))
    }

    /// Every checkpoint in the file, each mac checked; none if there is no file.
    pub fn read_all(&self) -> Result<Vec<Checkpoint>, VerifyError> {
        let Some(text) = self.read()? else {
            return Ok(Vec::new());
        };
        text.lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(index, line)| self.parse(index + 1, line))
            .collect()
    }

    /// The last checkpoint in the file, its mac checked.
    fn last(&self) -> Result<Option<Checkpoint>, VerifyError> {
        let Some(text) = self.read()? else {
            return Ok(None);
        };
        text.lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .last()
            .map(|(index, line)| self.parse(index + 1, line))
            .transpose()
    }

    fn read(&self) -> Result<Option<String>, VerifyError> {
        match fs::read_to_string(&self.path) {
            Ok(text) => Ok(Some(text)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn parse(&self, line: usize, text: &str) -> Result<Checkpoint, VerifyError> {
        let bad = |reason| VerifyError::BadCheckpoint { line, reason };
        let checkpoint: Checkpoint =
            serde_json::from_str(text).map_err(|_| bad("not a checkpoint"))?;
        let mac = hex::decode(&checkpoint.mac).map_err(|_| bad("mac is not hex"))?;
        self.mac(&checkpoint)
            .verify_slice(&mac)
            .map_err(|_| bad("signature does not match"))?;
        Ok(checkpoint)
    }

    fn sign(&self, id: i64, hash: String, now: DateTime<Utc>) -> Checkpoint {
        let mut checkpoint = Checkpoint {
            id,
            hash,
            at: chain::timestamp(now),
            mac: String::new(),
        };
        checkpoint.mac = hex::encode(self.mac(&checkpoint).finalize().into_bytes());
        checkpoint
    }

    fn mac(&self, checkpoint: &Checkpoint) -> Hmac<Sha256> {
        let mut mac = match Hmac::<Sha256>::new_from_slice(&self.key) {
            Ok(mac) => mac,
            Err(_) => unreachable!("HMAC takes keys of any length"),
        };
        mac.update(format!("{}|{}|{}", checkpoint.id, checkpoint.hash, checkpoint.at).as_bytes());
        mac
    }

    /// One write of one whole line in append mode, so concurrent writers
    /// cannot interleave within a line; synced before reporting success.
    fn append_line(&self, checkpoint: &Checkpoint) -> io::Result<()> {
        let mut line = serde_json::to_string(checkpoint).map_err(io::Error::other)?;
        line.push('\n');
        let mut file = OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(&self.path)?;
        file.write_all(line.as_bytes())?;
        file.sync_data()
    }
}

/// The row a checkpoint names must still be there with the same hash.
fn confirm(conn: &mut PgConnection, checkpoint: &Checkpoint) -> Result<(), VerifyError> {
    match chain::hash_of(conn, checkpoint.id)? {
        Some(hash) if checkpoint.hash.eq_ignore_ascii_case(&hex::encode(&hash)) => Ok(()),
        _ => Err(VerifyError::CheckpointMismatch {
            id: checkpoint.id,
            hash: checkpoint.hash.clone(),
        }),
    }
}

/// The checkpoint key: 32 raw bytes or 64 hex characters at `path`, or, when
/// there is no file, a new random key written there (hex, mode 0600).
/// Keep it off the database host, or at least out of the database's reach.
pub fn load_or_create_key(path: &Path) -> io::Result<[u8; 32]> {
    match fs::read(path) {
        Ok(bytes) => parse_key(&bytes),
        Err(e) if e.kind() == io::ErrorKind::NotFound => create_key(path),
        Err(e) => Err(e),
    }
}

fn parse_key(bytes: &[u8]) -> io::Result<[u8; 32]> {
    if let Ok(raw) = <[u8; 32]>::try_from(bytes) {
        return Ok(raw);
    }
    let text = std::str::from_utf8(bytes)
        .map(str::trim)
        .unwrap_or_default();
    let mut key = [0u8; 32];
    hex::decode_to_slice(text, &mut key).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidData,
            "the audit checkpoint key must be 32 raw bytes or 64 hex characters",
        )
    })?;
    Ok(key)
}

/// `create_new`, so two processes starting at once cannot each write a key.
fn create_key(path: &Path) -> io::Result<[u8; 32]> {
    let mut key = [0u8; 32];
    OsRng.fill_bytes(&mut key);
    let mut file = match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return parse_key(&fs::read(path)?),
        Err(e) => return Err(e),
    };
    file.write_all(format!("{}\n", hex::encode(key)).as_bytes())?;
    file.sync_all()?;
    Ok(key)
}
