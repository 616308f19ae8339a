//! The keyring: data keys and blind-index keys wrapped under the master
//! key, sealing and opening of column values, and blind indexes.

use std::collections::HashMap;
use std::fmt;
use std::sync::{RwLock, RwLockReadGuard};

use diesel::pg::PgConnection;
use diesel::sql_types::{BigInt, Bytea, Integer, Nullable, Text, Timestamptz};
use diesel::{Connection, QueryableByName, RunQueryDsl};
use ring::aead::LessSafeKey;
use ring::rand::SystemRandom;
use uuid::Uuid;

use super::aead::{
    aes_key, blind_index, blind_key_aad, data_key_aad, field_aad, key_version, open_raw,
    random_key, seal_raw, VERSION_LEN,
};
pub use super::error::CryptoError;
pub use super::master::{MasterKey, MasterKeys};
pub use super::sealer::Sealer;
use super::wrapping::{Checks, Lock, Masters, Wrapped};

/// Advisory lock that orders writers against a rotation's switch of the
/// active key: `sealer` holds it shared until its transaction ends, and the
/// rotation takes it exclusively once, after the switch, to wait out every
/// writer that may still be sealing (or indexing) under the old key.
/// ("odb_keys" in ASCII.)
pub(crate) const SEAL_LOCK: i64 = 0x6f64_625f_6b65_7973;

#[derive(QueryableByName)]
struct StoredKey {
    #[diesel(sql_type = Integer)]
    version: i32,
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(embed)]
    wrapped: Wrapped,
}

#[derive(QueryableByName)]
struct ActiveVersions {
    #[diesel(sql_type = Nullable<Integer>)]
    data: Option<i32>,
    #[diesel(sql_type = Nullable<Integer>)]
    blind: Option<i32>,
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

pub(crate) fn to_version(v: i32) -> Result<u32, CryptoError> {
    u32::try_from(v).map_err(|_| CryptoError::Malformed)
}

fn to_column(version: u32) -> Result<i32, CryptoError> {
    i32::try_from(version).map_err(|_| CryptoError::Malformed)
}

/// The blind-index keys: HMAC roots by version, and the active one's.
#[derive(Default)]
struct BlindKeys {
    roots: HashMap<u32, Vec<u8>>,
    active: Vec<u8>,
}

/// Keys just unwrapped by version, and which version is active.
struct Unwrapped {
    fresh: Vec<(u32, Vec<u8>)>,
    active: Option<u32>,
}

/// Which table a kind of key lives in, and how its wrappings are bound.
#[derive(Clone, Copy)]
pub(crate) enum KeyKind {
    Data,
    BlindIndex,
}

impl KeyKind {
    pub(crate) fn table(self) -> &'static str {
        match self {
            KeyKind::Data => "data_keys",
            KeyKind::BlindIndex => "blind_index_keys",
        }
    }

    pub(crate) fn aad(self, version: u32) -> String {
        match self {
            KeyKind::Data => data_key_aad(version),
            KeyKind::BlindIndex => blind_key_aad(version),
        }
    }

    /// Blind-index key 1 may be the master key itself (a NULL wrapping).
    pub(crate) fn itself_if_null(self) -> bool {
        matches!(self, KeyKind::BlindIndex)
    }
}

/// The unwrapped keys of one database, shared by every request.
pub struct Keyring {
    pub(crate) masters: Masters,
    data_keys: RwLock<HashMap<u32, LessSafeKey>>,
    blind: RwLock<BlindKeys>,
    pub(crate) rng: SystemRandom,
}

const _: fn() = || {
    fn shared<T: Send + Sync>() {}
    shared::<Keyring>();
};

/// Versions only: the keys themselves stay out of logs.
impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sorted = |mut v: Vec<u32>| {
            v.sort_unstable();
            v
        };
        let data = sorted(self.read_data_keys().keys().copied().collect());
        let blind = sorted(self.read_blind().roots.keys().copied().collect());
        f.debug_struct("Keyring")
            .field("versions", &data)
            .field("blind_index_versions", &blind)
            .finish_non_exhaustive()
    }
}

impl Keyring {
    fn new(masters: MasterKeys) -> Result<Self, CryptoError> {
        Ok(Keyring {
            masters: Masters::new(masters.current, masters.previous)?,
            data_keys: RwLock::new(HashMap::new()),
            blind: RwLock::new(BlindKeys::default()),
            rng: SystemRandom::new(),
        })
    }

    /// Command line / start-up, as the database owner: on an empty keyring
    /// writes master_check and data key v1 (active); otherwise verifies the
    /// master key (the current or, during a master-key rotation, the
    /// previous one). Then loads keys.
    pub fn initialize(
        owner: &mut PgConnection,
        masters: impl Into<MasterKeys>,
    ) -> Result<Keyring, CryptoError> {
        let keyring = Keyring::new(masters.into())?;
        owner.transaction::<_, CryptoError, _>(|conn| {
            // Two initializers racing: the second waits on the row, then verifies.
            diesel::sql_query(
                "INSERT INTO keyring (id, master_check, created_at) VALUES (true, $1, now()) \
                 ON CONFLICT (id) DO NOTHING",
            )
            .bind::<Bytea, _>(keyring.masters.current().check())
            .execute(conn)?;
            let checks = Checks::read(conn, Lock::Update)?;
            keyring.masters.slot(&checks)?;
            let existing = diesel::sql_query("SELECT count(*) AS n FROM data_keys")
                .get_result::<CountRow>(conn)?;
            if existing.n == 0 {
                keyring.insert_key(conn, KeyKind::Data, 1, "active", None)?;
                tracing::info!("keyring initialized with data key version 1");
            }
            Ok(())
        })?;
        keyring.load_keys(owner)?;
        keyring
            .masters
            .note_configuration(&Checks::read(owner, Lock::None)?);
        Ok(keyring)
    }

    /// Verifies the master key and loads keys (works as odb_app: SELECT only).
    pub fn open(
        conn: &mut PgConnection,
        masters: impl Into<MasterKeys>,
    ) -> Result<Keyring, CryptoError> {
        let keyring = Keyring::new(masters.into())?;
        keyring.load_keys(conn)?;
        if keyring.read_data_keys().is_empty() {
            return Err(CryptoError::NoKeyring);
        }
        keyring
            .masters
            .note_configuration(&Checks::read(conn, Lock::None)?);
        Ok(keyring)
    }

    /// A fresh random key of `kind`, wrapped under every master key the
    /// database accepts, stored under `version`.
    pub(crate) fn insert_key(
        &self,
        conn: &mut PgConnection,
        kind: KeyKind,
        version: u32,
        state: &str,
        created_at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<(), CryptoError> {
        let key = random_key(&self.rng)?;
        let checks = Checks::read(conn, Lock::Share)?;
        let wrapped = self
            .masters
            .wrap_for_all(&self.rng, &checks, &kind.aad(version), &key)?;
        diesel::sql_query(format!(
            "INSERT INTO {} (version, wrapped, wrapped_previous, state, created_at) \
             VALUES ($1, $2, $3, $4, coalesce($5, now()))",
            kind.table()
        ))
        .bind::<Integer, _>(to_column(version)?)
        .bind::<Nullable<Bytea>, _>(wrapped.current)
        .bind::<Nullable<Bytea>, _>(wrapped.previous)
        .bind::<Text, _>(state)
        .bind::<Nullable<Timestamptz>, _>(created_at)
        .execute(conn)?;
        Ok(())
    }

    fn read_data_keys(&self) -> RwLockReadGuard<'_, HashMap<u32, LessSafeKey>> {
        // A panic elsewhere cannot leave the map half-written: inserts are whole.
        self.data_keys.read().unwrap_or_else(|e| e.into_inner())
    }

    fn read_blind(&self) -> RwLockReadGuard<'_, BlindKeys> {
        self.blind.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The stored keys of `kind`, unwrapped with the master key the
    /// database accepts from this process, except those already cached.
    fn unwrap_fresh(
        &self,
        conn: &mut PgConnection,
        kind: KeyKind,
        cached: &dyn Fn(u32) -> bool,
    ) -> Result<Unwrapped, CryptoError> {
        let checks = Checks::read(conn, Lock::None)?;
        let slot = self.masters.slot(&checks)?;
        let rows = diesel::sql_query(format!(
            "SELECT version, state, wrapped, wrapped_previous FROM {} ORDER BY version",
            kind.table()
        ))
        .load::<StoredKey>(conn)?;
        let mut fresh = Vec::new();
        let mut active = None;
        for row in rows {
            let version = to_version(row.version)?;
            if row.state == "active" {
                active = Some(version);
            }
            if !cached(version) {
                let aad = kind.aad(version);
                fresh.push((
                    version,
                    slot.unwrap(&aad, &row.wrapped, kind.itself_if_null())?,
                ));
            }
        }
        Ok(Unwrapped { fresh, active })
    }

    /// Unwraps every key not cached yet (a rotation may have added one).
    pub(crate) fn load_keys(&self, conn: &mut PgConnection) -> Result<(), CryptoError> {
        let data = {
            let cached = self.read_data_keys();
            self.unwrap_fresh(conn, KeyKind::Data, &|v| cached.contains_key(&v))?
                .fresh
        };
        if !data.is_empty() {
            let mut keys = self.data_keys.write().unwrap_or_else(|e| e.into_inner());
            for (version, bytes) in data {
                let key = aes_key(&bytes)?;
                keys.entry(version).or_insert(key);
            }
        }
        let Unwrapped {
            fresh: blind,
            active,
        } = {
            let cached = self.read_blind();
            self.unwrap_fresh(conn, KeyKind::BlindIndex, &|v| {
                cached.roots.contains_key(&v)
            })?
        };
        let active = active.ok_or(CryptoError::NoKeyring)?;
        let mut keys = self.blind.write().unwrap_or_else(|e| e.into_inner());
        for (version, root) in blind {
            keys.roots.entry(version).or_insert(root);
        }
        keys.active = keys
            .roots
            .get(&active)
            .cloned()
            .ok_or(CryptoError::NoKeyring)?;
        Ok(())
    }

    fn ensure_loaded(&self, conn: &mut PgConnection, version: u32) -> Result<(), CryptoError> {
        if !self.read_data_keys().contains_key(&version) {
            self.load_keys(conn)?;
            if !self.read_data_keys().contains_key(&version) {
                return Err(CryptoError::UnknownKeyVersion(version));
            }
        }
        Ok(())
    }

    fn ensure_blind_loaded(
        &self,
        conn: &mut PgConnection,
        version: u32,
    ) -> Result<(), CryptoError> {
        if !self.read_blind().roots.contains_key(&version) {
            self.load_keys(conn)?;
            if !self.read_blind().roots.contains_key(&version) {
                return Err(CryptoError::NoKeyring);
            }
        }
        Ok(())
    }

    /// The active data key and blind-index key now, for sealing and
    /// indexing within this transaction.
    ///
    /// Call it inside the transaction that writes the values: it holds a
    /// shared advisory lock until that transaction ends, which is how a
    /// rotation knows when nobody can still be writing under an old key.
    pub fn sealer(&self, conn: &mut PgConnection) -> Result<Sealer<'_>, CryptoError> {
        // Two statements on purpose: the second one's snapshot must come after
        // the lock is granted, so it sees a switch the rotation committed.
        diesel::sql_query("SELECT pg_advisory_xact_lock_shared($1)")
            .bind::<BigInt, _>(SEAL_LOCK)
            .execute(conn)?;
        let active = diesel::sql_query(
            "SELECT (SELECT version FROM data_keys WHERE state = 'active') AS data, \
                    (SELECT version FROM blind_index_keys WHERE state = 'active') AS blind",
        )
        .get_result::<ActiveVersions>(conn)?;
        let version = to_version(active.data.ok_or(CryptoError::NoKeyring)?)?;
        let blind_version = to_version(active.blind.ok_or(CryptoError::NoKeyring)?)?;
        self.ensure_loaded(conn, version)?;
        self.ensure_blind_loaded(conn, blind_version)?;
        Ok(Sealer::new(self, version, blind_version))
    }

    /// Seals under a data key version known to be loaded.
    pub(crate) fn seal_under(
        &self,
        version: u32,
        table: &str,
        column: &str,
        row: Uuid,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        let keys = self.read_data_keys();
        let key = keys
            .get(&version)
            .ok_or(CryptoError::UnknownKeyVersion(version))?;
        let body = seal_raw(
            &self.rng,
            key,
            field_aad(table, column, row).as_bytes(),
            plaintext,
        )?;
        let mut out = Vec::with_capacity(VERSION_LEN + body.len());
        out.extend_from_slice(&version.to_be_bytes());
        out.extend_from_slice(&body);
        Ok(out)
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
        let keys = self.read_data_keys();
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

    /// The blind index under the active blind-index key (as last loaded).
    /// Without that key the index says nothing; the same number in two
    /// columns gives unrelated indexes.
    pub fn blind_index(&self, table: &str, column: &str, normalized: &str, whole: bool) -> Vec<u8> {
        blind_index(&self.read_blind().active, table, column, normalized, whole)
    }

    /// The blind index under a blind-index key version known to be loaded.
    pub(crate) fn blind_index_under(
        &self,
        version: u32,
        table: &str,
        column: &str,
        normalized: &str,
        whole: bool,
    ) -> Result<Vec<u8>, CryptoError> {
        let blind = self.read_blind();
        let root = blind.roots.get(&version).ok_or(CryptoError::NoKeyring)?;
        Ok(blind_index(root, table, column, normalized, whole))
    }

    /// The value's index under every blind-index key not retired, newest
    /// first: during a blind-index rotation a row may carry either.
    pub fn live_blind_indexes(
        &self,
        conn: &mut PgConnection,
        table: &str,
        column: &str,
        normalized: &str,
        whole: bool,
    ) -> Result<Vec<Vec<u8>>, CryptoError> {
        let versions = self.live_blind_versions(conn)?;
        self.blind_indexes_under(conn, &versions, (table, column), normalized, whole)
    }

    /// The versions of the blind-index keys not retired, newest first.
    pub fn live_blind_versions(&self, conn: &mut PgConnection) -> Result<Vec<u32>, CryptoError> {
        diesel::sql_query(
            "SELECT version FROM blind_index_keys WHERE state <> 'retired' ORDER BY version DESC",
        )
        .load::<VersionRow>(conn)?
        .into_iter()
        .map(|row| to_version(row.version))
        .collect()
    }

    /// The value's index under each of `versions` (as `live_blind_versions`
    /// gave them).
    pub fn blind_indexes_under(
        &self,
        conn: &mut PgConnection,
        versions: &[u32],
        (table, column): (&str, &str),
        normalized: &str,
        whole: bool,
    ) -> Result<Vec<Vec<u8>>, CryptoError> {
        versions
            .iter()
            .map(|&version| {
                self.ensure_blind_loaded(conn, version)?;
                self.blind_index_under(version, table, column, normalized, whole)
            })
            .collect()
    }
}
