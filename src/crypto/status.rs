//! `odb keys status`: every key, and what it still seals or indexes.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Timestamptz};
use diesel::{QueryableByName, RunQueryDsl};
use serde::Serialize;

use super::columns::SEALED_COLUMNS;
use super::keyring::{CryptoError, KeyKind};
use super::rotation::{keys, KeyRow};

#[derive(Debug, Clone, Serialize)]
pub struct KeyStatus {
    /// The data keys.
    pub versions: Vec<KeyVersionStatus>,
    pub blind_index_keys: Vec<BlindIndexKeyStatus>,
    pub master_key: MasterKeyStatus,
}

#[derive(Debug, Clone, Serialize)]
pub struct KeyVersionStatus {
    pub version: u32,
    /// active, retiring or retired
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
    /// Sealed values still under this version, across all columns.
    pub values: i64,
    /// The same by `table.column` where they are stored (only those with values).
    pub columns: BTreeMap<String, i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BlindIndexKeyStatus {
    pub version: u32,
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
    /// Profiles whose blind indexes were computed with this key.
    pub profiles: i64,
    /// Party members whose blind indexes were computed with this key.
    pub party_members: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct MasterKeyStatus {
    /// When the master key last changed (`odb keys rotate-master`).
    pub rotated_at: Option<DateTime<Utc>>,
    /// The previous master key still opens the keyring (until `odb keys retire-master`).
    pub previous_accepted: bool,
}

#[derive(QueryableByName)]
struct VersionCount {
    #[diesel(sql_type = Integer)]
    version: i32,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Master {
    #[diesel(sql_type = Nullable<Timestamptz>)]
    rotated_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Bool)]
    previous_accepted: bool,
}

/// Each key with how much it still seals or indexes (owner connection: row
/// security would hide rows from odb_app).
pub fn status(conn: &mut PgConnection) -> Result<KeyStatus, CryptoError> {
    let master = diesel::sql_query(
        "SELECT rotated_at, previous_check IS NOT NULL AS previous_accepted FROM keyring WHERE id",
    )
    .load::<Master>(conn)?
    .into_iter()
    .next()
    .ok_or(CryptoError::NoKeyring)?;
    Ok(KeyStatus {
        versions: data_keys(conn)?,
        blind_index_keys: blind_index_keys(conn)?,
        master_key: MasterKeyStatus {
            rotated_at: master.rotated_at,
            previous_accepted: master.previous_accepted,
        },
    })
}

fn data_keys(conn: &mut PgConnection) -> Result<Vec<KeyVersionStatus>, CryptoError> {
    let mut versions: Vec<KeyVersionStatus> = keys(conn, KeyKind::Data)?
        .into_iter()
        .map(|k| KeyVersionStatus {
            version: u32::try_from(k.version).unwrap_or_default(),
            state: k.state,
            created_at: k.created_at,
            retired_at: k.retired_at,
            values: 0,
            columns: BTreeMap::new(),
        })
        .collect();
    for sealed in SEALED_COLUMNS {
        let (column, stored_in) = (sealed.column, sealed.stored_in);
        let counts: Vec<VersionCount> = diesel::sql_query(format!(
            "SELECT ('x' || encode(substring({column} from 1 for 4), 'hex'))::bit(32)::int AS version, \
                    count(*) AS n \
             FROM {stored_in} WHERE {column} IS NOT NULL AND length({column}) >= 4 GROUP BY 1"
        ))
        .load(conn)?;
        for count in counts {
            match versions
                .iter_mut()
                .find(|v| i64::from(v.version) == i64::from(count.version))
            {
                Some(v) => {
                    v.values += count.n;
                    v.columns.insert(format!("{stored_in}.{column}"), count.n);
                }
                None => tracing::warn!(
                    table = stored_in,
                    column,
                    version = count.version,
                    values = count.n,
                    "sealed values name a data key version the database does not hold"
                ),
            }
        }
    }
    Ok(versions)
}

/// Rows of `table` by the blind-index key their indexes were computed with.
fn index_versions(conn: &mut PgConnection, table: &str) -> Result<Vec<VersionCount>, CryptoError> {
    Ok(diesel::sql_query(format!(
        "SELECT blind_index_version AS version, count(*) AS n FROM {table} GROUP BY 1"
    ))
    .load(conn)?)
}

fn blind_index_keys(conn: &mut PgConnection) -> Result<Vec<BlindIndexKeyStatus>, CryptoError> {
    let profiles = index_versions(conn, "officials")?;
    let members = index_versions(conn, "party_members")?;
    let under = |counts: &[VersionCount], k: &KeyRow| {
        counts
            .iter()
            .find(|c| c.version == k.version)
            .map_or(0, |c| c.n)
    };
    Ok(keys(conn, KeyKind::BlindIndex)?
        .into_iter()
        .map(|k| BlindIndexKeyStatus {
            version: u32::try_from(k.version).unwrap_or_default(),
            profiles: under(&profiles, &k),
            party_members: under(&members, &k),
            state: k.state,
            created_at: k.created_at,
            retired_at: k.retired_at,
        })
        .collect())
}
