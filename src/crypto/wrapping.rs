//! Keys wrapped under master keys: which configured master key the database
//! accepts, and wrapping and unwrapping under it. During a master-key
//! rotation the database accepts two (the new active one and the previous
//! one) and holds every key wrapped under both.

use diesel::pg::PgConnection;
use diesel::sql_types::{Bytea, Nullable};
use diesel::{QueryableByName, RunQueryDsl};
use hmac::Mac;
use ring::aead::LessSafeKey;
use ring::rand::SystemRandom;

use super::aead::{aes_key, hmac, open_raw, seal_raw};
use super::keyring::CryptoError;
use super::master::MasterKey;

const CHECK_LABEL: &[u8] = b"odb.keyring.check";

/// One configured master key, ready to wrap and unwrap.
pub(crate) struct Master {
    key: MasterKey,
    /// AES-256-GCM under the master key itself.
    wrapping: LessSafeKey,
}

impl Master {
    pub(crate) fn new(key: MasterKey) -> Result<Master, CryptoError> {
        let wrapping = aes_key(key.bytes())?;
        Ok(Master { key, wrapping })
    }

    /// What the database stores to recognise this key: an HMAC of it.
    pub(crate) fn check(&self) -> Vec<u8> {
        hmac(self.key.bytes(), &[CHECK_LABEL])
            .finalize()
            .into_bytes()
            .to_vec()
    }

    /// Constant-time comparison against a stored check.
    pub(crate) fn matches(&self, stored: &[u8]) -> bool {
        hmac(self.key.bytes(), &[CHECK_LABEL])
            .verify_slice(stored)
            .is_ok()
    }

    pub(crate) fn wrap(
        &self,
        rng: &SystemRandom,
        aad: &str,
        key: &[u8],
    ) -> Result<Vec<u8>, CryptoError> {
        seal_raw(rng, &self.wrapping, aad.as_bytes(), key)
    }

    /// A NULL wrapping is the master key itself where `itself_if_null`: the
    /// first blind-index key, until a master-key rotation wraps it.
    fn unwrap(
        &self,
        aad: &str,
        wrapped: Option<&[u8]>,
        itself_if_null: bool,
    ) -> Result<Vec<u8>, CryptoError> {
        match wrapped {
            Some(wrapped) => open_raw(&self.wrapping, aad.as_bytes(), wrapped),
            None if itself_if_null => Ok(self.key.bytes().to_vec()),
            None => Err(CryptoError::Malformed),
        }
    }
}

/// What the keyring row says: the master key in use and, during a
/// master-key rotation, the previous one.
#[derive(QueryableByName)]
pub(crate) struct Checks {
    #[diesel(sql_type = Bytea, column_name = master_check)]
    pub(crate) active: Vec<u8>,
    #[diesel(sql_type = Nullable<Bytea>, column_name = previous_check)]
    pub(crate) previous: Option<Vec<u8>>,
}

/// How a read of the keyring row locks it.
#[derive(Clone, Copy)]
pub(crate) enum Lock {
    None,
    /// Adding a key: a master-key rotation must not change the checks meanwhile.
    Share,
    /// A master-key rotation or retirement.
    Update,
}

impl Checks {
    pub(crate) fn read(conn: &mut PgConnection, lock: Lock) -> Result<Checks, CryptoError> {
        let suffix = match lock {
            Lock::None => "",
            Lock::Share => " FOR SHARE",
            Lock::Update => " FOR UPDATE",
        };
        diesel::sql_query(format!(
            "SELECT master_check, previous_check FROM keyring WHERE id{suffix}"
        ))
        .load::<Checks>(conn)?
        .into_iter()
        .next()
        .ok_or(CryptoError::NoKeyring)
    }
}

/// A key as stored: wrapped under the active master key and, during a
/// master-key rotation, under the previous one as well.
#[derive(QueryableByName)]
pub(crate) struct Wrapped {
    #[diesel(sql_type = Nullable<Bytea>, column_name = wrapped)]
    pub(crate) current: Option<Vec<u8>>,
    #[diesel(sql_type = Nullable<Bytea>, column_name = wrapped_previous)]
    pub(crate) previous: Option<Vec<u8>>,
}

/// Which stored wrapping a process opens keys with: the active master
/// key's if it was given that one, else the previous one's.
pub(crate) enum Slot<'m> {
    Active(&'m Master),
    Previous(&'m Master),
}

impl Slot<'_> {
    pub(crate) fn unwrap(
        &self,
        aad: &str,
        stored: &Wrapped,
        itself_if_null: bool,
    ) -> Result<Vec<u8>, CryptoError> {
        match self {
            Slot::Active(master) => master.unwrap(aad, stored.current.as_deref(), itself_if_null),
            Slot::Previous(master) => {
                master.unwrap(aad, stored.previous.as_deref(), itself_if_null)
            }
        }
    }
}

/// The configured keys, current first.
pub(crate) struct Masters(Vec<Master>);

impl Masters {
    pub(crate) fn new(
        current: MasterKey,
        previous: Option<MasterKey>,
    ) -> Result<Self, CryptoError> {
        let mut masters = vec![Master::new(current)?];
        if let Some(previous) = previous {
            masters.push(Master::new(previous)?);
        }
        Ok(Masters(masters))
    }

    pub(crate) fn current(&self) -> &Master {
        &self.0[0]
    }

    pub(crate) fn configured_previous(&self) -> Option<&Master> {
        self.0.get(1)
    }

    /// The configured key the database recognises by `check`.
    pub(crate) fn matching(&self, check: &[u8]) -> Option<&Master> {
        self.0.iter().find(|m| m.matches(check))
    }

    /// The slot to open keys with; none fits: the wrong master key.
    pub(crate) fn slot(&self, checks: &Checks) -> Result<Slot<'_>, CryptoError> {
        if let Some(master) = self.matching(&checks.active) {
            return Ok(Slot::Active(master));
        }
        checks
            .previous
            .as_deref()
            .and_then(|previous| self.matching(previous))
            .map(Slot::Previous)
            .ok_or(CryptoError::WrongMasterKey)
    }

    /// A new key wrapped under every master key the database accepts, so
    /// that processes given either one can open it.
    pub(crate) fn wrap_for_all(
        &self,
        rng: &SystemRandom,
        checks: &Checks,
        aad: &str,
        key: &[u8],
    ) -> Result<Wrapped, CryptoError> {
        let both = || CryptoError::BothMasterKeysNeeded;
        let active = self.matching(&checks.active).ok_or_else(both)?;
        let previous = match &checks.previous {
            None => None,
            Some(check) => Some(self.matching(check).ok_or_else(both)?.wrap(rng, aad, key)?),
        };
        Ok(Wrapped {
            current: Some(active.wrap(rng, aad, key)?),
            previous,
        })
    }

    /// Tells the operator what the configuration means for a rotation under way.
    pub(crate) fn note_configuration(&self, checks: &Checks) {
        let current = self.current();
        let previous_in_use = checks
            .previous
            .as_deref()
            .is_some_and(|p| current.matches(p));
        if previous_in_use {
            tracing::warn!(
                "this process was given the previous master key: give it the new one before \
                 `odb keys retire-master`, after which the previous key no longer opens the keyring"
            );
        } else if !current.matches(&checks.active) {
            tracing::warn!(
                "ODB_MASTER_KEY is not the database's master key yet; it works with \
                 ODB_MASTER_KEY_PREVIOUS until `odb keys rotate-master` makes it so"
            );
        }
        let stale_previous = self.configured_previous().is_some_and(|p| {
            !p.matches(&checks.active) && checks.previous.as_deref().is_none_or(|c| !p.matches(c))
        });
        if stale_previous {
            tracing::warn!(
                "ODB_MASTER_KEY_PREVIOUS is not accepted by this database (any more): remove it"
            );
        }
    }
}
