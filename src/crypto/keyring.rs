//! The keyring: data keys wrapped under the master key, sealing and opening
//! of column values, and blind indexes.

use std::collections::HashMap;
use std::fmt;
use std::sync::RwLock;

use diesel::pg::PgConnection;
use diesel::sql_types::{BigInt, Bytea, Integer};
use diesel::{Connection, QueryableByName, RunQueryDsl};
use hmac::{Hmac, Mac};
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use sha2::Sha256;
use uuid::Uuid;

pub use super::master::MasterKey;
use crate::error::AppError;

type HmacSha256 = Hmac<Sha256>;

const VERSION_LEN: usize = 4;
const TAG_LEN: usize = 16;
const DATA_KEY_LEN: usize = 32;
const CHECK_LABEL: &[u8] = b"odb.keyring.check";

/// Advisory lock that orders writers against a rotation's switch of the
/// active key: `sealer` holds it shared until its transaction ends, and the
/// rotation takes it exclusively once, after the switch, to wait out every
/// writer that may still be sealing under the old key. ("odb_keys" in ASCII.)
pub(crate) const SEAL_LOCK: i64 = 0x6f64_625f_6b65_7973;

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
            CryptoError::WrongMasterKey | CryptoError::NoKeyring => {
                AppError::Unavailable(error.to_string())
            }
            CryptoError::BadMasterKey(_) | CryptoError::Io(_) => {
                AppError::Internal(error.to_string())
            }
        }
    }
}

/// Uppercase, ASCII letters and digits only (drops spaces, dots, dashes): "001 234-567" -> "001234567".
pub fn normalize_identifier(text: &str) -> String {
    text.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// The data key version a sealed value names, without opening it.
pub fn key_version(sealed: &[u8]) -> Option<u32> {
    let head: [u8; VERSION_LEN] = sealed.get(..VERSION_LEN)?.try_into().ok()?;
    Some(u32::from_be_bytes(head))
}

/// Binds a value to where it lives, so it cannot be replayed elsewhere.
fn field_aad(table: &str, column: &str, row: Uuid) -> String {
    format!("{table}\0{column}\0{row}")
}

fn data_key_aad(version: u32) -> String {
    format!("odb.data_key.v{version}")
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> HmacSha256 {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <HmacSha256 as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    for part in parts {
        mac.update(part);
    }
    mac
}

pub(crate) fn no_randomness() -> CryptoError {
    CryptoError::Io(std::io::Error::other("the system random source failed"))
}

fn aes_key(bytes: &[u8]) -> Result<LessSafeKey, CryptoError> {
    UnboundKey::new(&AES_256_GCM, bytes)
        .map(LessSafeKey::new)
        .map_err(|_| CryptoError::Malformed)
}

/// `[nonce][ciphertext+tag]` (data keys) — the version sits in front for fields.
fn seal_raw(
    rng: &SystemRandom,
    key: &LessSafeKey,
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let mut nonce = [0u8; NONCE_LEN];
    rng.fill(&mut nonce).map_err(|_| no_randomness())?;
    let mut buffer = plaintext.to_vec();
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(aad),
        &mut buffer,
    )
    .map_err(|_| CryptoError::Malformed)?;
    let mut out = Vec::with_capacity(NONCE_LEN + buffer.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&buffer);
    Ok(out)
}

fn open_raw(key: &LessSafeKey, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if sealed.len() < NONCE_LEN + TAG_LEN {
        return Err(CryptoError::Malformed);
    }
    let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| CryptoError::Malformed)?;
    let mut buffer = ciphertext.to_vec();
    let plain = key
        .open_in_place(nonce, Aad::from(aad), &mut buffer)
        .map_err(|_| CryptoError::Open)?;
    Ok(plain.to_vec())
}

#[derive(QueryableByName)]
struct CheckRow {
    #[diesel(sql_type = Bytea)]
    master_check: Vec<u8>,
}

#[derive(QueryableByName)]
struct KeyRow {
    #[diesel(sql_type = Integer)]
    version: i32,
    #[diesel(sql_type = Bytea)]
    wrapped: Vec<u8>,
}

#[derive(QueryableByName)]
struct VersionRow {
    #[diesel(sql_type = Integer)]
    version: i32,
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn to_version(v: i32) -> Result<u32, CryptoError> {
    u32::try_from(v).map_err(|_| CryptoError::Malformed)
}

/// The unwrapped data keys of one database, shared by every request.
pub struct Keyring {
    master: MasterKey,
    /// AES-256-GCM under the master key itself, for wrapping data keys.
    wrapping: LessSafeKey,
    keys: RwLock<HashMap<u32, LessSafeKey>>,
    rng: SystemRandom,
}

const _: fn() = || {
    fn shared<T: Send + Sync>() {}
    shared::<Keyring>();
};

/// Versions only: the keys themselves stay out of logs.
impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut versions: Vec<u32> = self
            .keys
            .read()
            .map(|k| k.keys().copied().collect())
            .unwrap_or_default();
        versions.sort_unstable();
        f.debug_struct("Keyring")
            .field("versions", &versions)
            .finish_non_exhaustive()
    }
}

impl Keyring {
    fn new(master: MasterKey) -> Result<Self, CryptoError> {
        let wrapping = aes_key(master.bytes())?;
        Ok(Keyring {
            master,
            wrapping,
            keys: RwLock::new(HashMap::new()),
            rng: SystemRandom::new(),
        })
    }

    fn master_check(&self) -> HmacSha256 {
        hmac(self.master.bytes(), &[CHECK_LABEL])
    }

    /// Constant-time comparison against the stored check.
    fn verify(&self, stored: &[u8]) -> Result<(), CryptoError> {
        self.master_check()
            .verify_slice(stored)
            .map_err(|_| CryptoError::WrongMasterKey)
    }

    fn stored_check(conn: &mut PgConnection) -> Result<Option<Vec<u8>>, CryptoError> {
        Ok(
            diesel::sql_query("SELECT master_check FROM keyring WHERE id")
                .load::<CheckRow>(conn)?
                .into_iter()
                .next()
                .map(|r| r.master_check),
        )
    }

    /// Command line / start-up, as the database owner: on an empty keyring writes master_check and data key v1 (active); otherwise verifies master_check. Then loads keys.
    pub fn initialize(owner: &mut PgConnection, master: MasterKey) -> Result<Keyring, CryptoError> {
        let keyring = Keyring::new(master)?;
        owner.transaction::<_, CryptoError, _>(|conn| {
            let check = keyring.master_check().finalize().into_bytes().to_vec();
            // Two initializers racing: the second waits on the row, then verifies.
            diesel::sql_query(
                "INSERT INTO keyring (id, master_check, created_at) VALUES (true, $1, now()) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind::<Bytea, _>(check)
            .execute(conn)?;
            let stored = diesel::sql_query("SELECT master_check FROM keyring WHERE id FOR UPDATE")
                .load::<CheckRow>(conn)?
                .into_iter()
                .next()
                .ok_or(CryptoError::NoKeyring)?;
            keyring.verify(&stored.master_check)?;
            let existing = diesel::sql_query("SELECT count(*) AS n FROM data_keys")
                .get_result::<CountRow>(conn)?;
            if existing.n == 0 {
                keyring.insert_data_key(conn, 1, "active", None)?;
                tracing::info!("keyring initialized with data key version 1");
            }
            Ok(())
        })?;
        keyring.load_keys(owner)?;
        Ok(keyring)
    }

    /// Verifies master_check and loads keys (works as odb_app: SELECT only).
    pub fn open(conn: &mut PgConnection, master: MasterKey) -> Result<Keyring, CryptoError> {
        let keyring = Keyring::new(master)?;
        let stored = Self::stored_check(conn)?.ok_or(CryptoError::NoKeyring)?;
        keyring.verify(&stored)?;
        keyring.load_keys(conn)?;
        if keyring.read_keys().is_empty() {
            return Err(CryptoError::NoKeyring);
        }
        Ok(keyring)
    }

    /// A fresh random data key, wrapped, stored under `version`.
    pub(crate) fn insert_data_key(
        &self,
        conn: &mut PgConnection,
        version: u32,
        state: &str,
        created_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<(), CryptoError> {
        let mut key = [0u8; DATA_KEY_LEN];
        self.rng.fill(&mut key).map_err(|_| no_randomness())?;
        let wrapped = seal_raw(
            &self.rng,
            &self.wrapping,
            data_key_aad(version).as_bytes(),
            &key,
        )?;
        let version = i32::try_from(version).map_err(|_| CryptoError::Malformed)?;
        diesel::sql_query(
            "INSERT INTO data_keys (version, wrapped, state, created_at) \
             VALUES ($1, $2, $3, coalesce($4, now()))",
        )
        .bind::<Integer, _>(version)
        .bind::<Bytea, _>(wrapped)
        .bind::<diesel::sql_types::Text, _>(state)
        .bind::<diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>, _>(created_at)
        .execute(conn)?;
        Ok(())
    }

    fn read_keys(&self) -> std::sync::RwLockReadGuard<'_, HashMap<u32, LessSafeKey>> {
        // A panic elsewhere cannot leave the map half-written: inserts are whole.
        self.keys.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Unwraps every data key not cached yet (a rotation may have added one).
    pub(crate) fn load_keys(&self, conn: &mut PgConnection) -> Result<(), CryptoError> {
        let rows = diesel::sql_query("SELECT version, wrapped FROM data_keys ORDER BY version")
            .load::<KeyRow>(conn)?;
        let mut fresh = Vec::new();
        {
            let cached = self.read_keys();
            for row in rows {
                let version = to_version(row.version)?;
                if cached.contains_key(&version) {
                    continue;
                }
                let bytes = open_raw(
                    &self.wrapping,
                    data_key_aad(version).as_bytes(),
                    &row.wrapped,
                )?;
                fresh.push((version, aes_key(&bytes)?));
            }
        }
        if !fresh.is_empty() {
            let mut keys = self.keys.write().unwrap_or_else(|e| e.into_inner());
            for (version, key) in fresh {
                keys.entry(version).or_insert(key);
            }
        }
        Ok(())
    }

    fn ensure_loaded(&self, conn: &mut PgConnection, version: u32) -> Result<(), CryptoError> {
        if !self.read_keys().contains_key(&version) {
            self.load_keys(conn)?;
            if !self.read_keys().contains_key(&version) {
                return Err(CryptoError::UnknownKeyVersion(version));
            }
        }
        Ok(())
    }

    /// The active version now, for sealing within this transaction.
    ///
    /// Call it inside the transaction that writes the values: it holds a
    /// shared advisory lock until that transaction ends, which is how a
    /// rotation knows when nobody can still be writing under the old key.
    pub fn sealer(&self, conn: &mut PgConnection) -> Result<Sealer<'_>, CryptoError> {
        // Two statements on purpose: the second one's snapshot must come after
        // the lock is granted, so it sees a switch the rotation committed.
        diesel::sql_query("SELECT pg_advisory_xact_lock_shared($1)")
            .bind::<BigInt, _>(SEAL_LOCK)
            .execute(conn)?;
        let active = diesel::sql_query("SELECT version FROM data_keys WHERE state = 'active'")
            .load::<VersionRow>(conn)?
            .into_iter()
            .next()
            .ok_or(CryptoError::NoKeyring)?;
        let version = to_version(active.version)?;
        self.ensure_loaded(conn, version)?;
        Ok(Sealer {
            keyring: self,
            version,
        })
    }

    /// A sealer for a version known to be loaded (rotation).
    pub(crate) fn sealer_for(&self, version: u32) -> Sealer<'_> {
        Sealer {
            keyring: self,
            version,
        }
    }

    /// Opens a sealed value; reloads keys from the database if the version is not cached yet (rotation happened while running).
    pub fn open_value(
        &self,
        conn: &mut PgConnection,
        table: &str,
        column: &str,
        row: Uuid,
        sealed: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let version = key_version(sealed).ok_or(CryptoError::Malformed)?;
        self.ensure_loaded(conn, version)?;
        let keys = self.read_keys();
        let key = keys
            .get(&version)
            .ok_or(CryptoError::UnknownKeyVersion(version))?;
        open_raw(
            key,
            field_aad(table, column, row).as_bytes(),
            &sealed[VERSION_LEN..],
        )
    }

    pub fn open_string(
        &self,
        conn: &mut PgConnection,
        table: &str,
        column: &str,
        row: Uuid,
        sealed: &[u8],
    ) -> Result<String, CryptoError> {
        String::from_utf8(self.open_value(conn, table, column, row, sealed)?)
            .map_err(|_| CryptoError::Malformed)
    }

    /// HMAC-SHA256 of the normalized value under a per-column key: equal
    /// inputs match, yet the index reveals nothing without the master key,
    /// and the same number in two columns gives unrelated indexes. `whole`
    /// keeps 32 bytes (unique columns); otherwise 16 suffice for lookups.
    pub fn blind_index(&self, table: &str, column: &str, normalized: &str, whole: bool) -> Vec<u8> {
        let column_key = hmac(
            self.master.bytes(),
            &[
                b"odb.blind_index\0",
                table.as_bytes(),
                b"\0",
                column.as_bytes(),
            ],
        )
        .finalize()
        .into_bytes();
        let mut index = hmac(&column_key, &[normalized.as_bytes()])
            .finalize()
            .into_bytes()
            .to_vec();
        if !whole {
            index.truncate(16);
        }
        index
    }
}

/// Seals under one data key version, chosen once per transaction.
pub struct Sealer<'k> {
    keyring: &'k Keyring,
    version: u32,
}

impl Sealer<'_> {
    pub fn version(&self) -> u32 {
        self.version
    }

    /// `[version: u32 BE][nonce: 12][ciphertext+tag]`, bound to table, column and row.
    pub fn seal(
        &self,
        table: &str,
        column: &str,
        row: Uuid,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let keys = self.keyring.read_keys();
        let key = keys
            .get(&self.version)
            .ok_or(CryptoError::UnknownKeyVersion(self.version))?;
        let body = seal_raw(
            &self.keyring.rng,
            key,
            field_aad(table, column, row).as_bytes(),
            plaintext,
        )?;
        let mut out = Vec::with_capacity(VERSION_LEN + body.len());
        out.extend_from_slice(&self.version.to_be_bytes());
        out.extend_from_slice(&body);
        Ok(out)
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
}
