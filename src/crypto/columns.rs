//! Where sealed values and blind indexes live: the list rotation, status
//! and the checks walk. Names are spliced into SQL, so they stay constants.

pub struct SealedColumn {
    /// The table named in the values' associated data.
    pub table: &'static str,
    pub column: &'static str,
    /// The table the values are stored in, and its column holding the row
    /// id named in their associated data (a uuid primary key).
    pub stored_in: &'static str,
    pub row_id: &'static str,
}

const fn sealed(table: &'static str, column: &'static str) -> SealedColumn {
    SealedColumn {
        table,
        column,
        stored_in: table,
        row_id: "id",
    }
}

/// A profile item sealed as officials' and stored, since the profile split
/// (migration 000007), in official_personal: its associated data still
/// names officials and the profile id, and must, or it would not open.
const fn personal(column: &'static str) -> SealedColumn {
    SealedColumn {
        table: "officials",
        column,
        stored_in: "official_personal",
        row_id: "official_id",
    }
}

/// Every sealed column in the schema.
pub const SEALED_COLUMNS: &[SealedColumn] = &[
    personal("identity_card_number"),
    personal("identity_card_issue"),
    personal("personal_identification_code"),
    personal("social_insurance_number"),
    personal("current_address"),
    personal("phone"),
    personal("email"),
    personal("party_card_number"),
    sealed("official_records", "sealed"),
    sealed("dossier_versions", "category"),
    sealed("dossier_versions", "summary"),
    sealed("dossier_versions", "content"),
    sealed("dossier_attachments", "file_name"),
    sealed("dossier_attachments", "content"),
    sealed("users", "totp_secret"),
    sealed("party_members", "identity_number"),
    sealed("party_members", "personal_identification_code"),
    sealed("party_members", "party_card_number"),
    sealed("sync_clients", "secret"),
    sealed("sync_clients", "previous_secret"),
    SealedColumn {
        table: "sync_events",
        column: "payload",
        stored_in: "sync_events",
        row_id: "event_id",
    },
];

/// The sealed columns of one stored table, re-sealed together so that each
/// row is rewritten once per rotation, not once per column.
pub(crate) struct StoredTable {
    pub(crate) stored_in: &'static str,
    pub(crate) row_id: &'static str,
    /// Indexes into `SEALED_COLUMNS`.
    pub(crate) columns: Vec<usize>,
}

impl StoredTable {
    pub(crate) fn sealed(&self) -> impl Iterator<Item = &'static SealedColumn> + '_ {
        self.columns.iter().map(|&i| &SEALED_COLUMNS[i])
    }

    /// SQL: how many of a row's values are sealed under another version than `$1`.
    pub(crate) fn stale_count(&self) -> String {
        self.sealed()
            .map(|c| stale(c.column))
            .map(|test| format!("({test})::int"))
            .collect::<Vec<_>>()
            .join(" + ")
    }

    /// SQL: some value of the row is sealed under another version than `$1`.
    pub(crate) fn any_stale(&self) -> String {
        self.sealed()
            .map(|c| stale(c.column))
            .collect::<Vec<_>>()
            .join(" OR ")
    }
}

/// `substring(col from 1 for 4)` is the version prefix; comparing bytes
/// needs no decoding.
fn stale(column: &str) -> String {
    format!("({column} IS NOT NULL AND substring({column} from 1 for 4) <> $1)")
}

/// `SEALED_COLUMNS` grouped by the table they are stored in, in list order.
pub(crate) fn stored_tables() -> Vec<StoredTable> {
    let mut tables: Vec<StoredTable> = Vec::new();
    for (index, column) in SEALED_COLUMNS.iter().enumerate() {
        match tables.iter_mut().find(|t| t.stored_in == column.stored_in) {
            Some(table) => table.columns.push(index),
            None => tables.push(StoredTable {
                stored_in: column.stored_in,
                row_id: column.row_id,
                columns: vec![index],
            }),
        }
    }
    tables
}

/// A blind index beside a sealed column of officials.
pub struct BlindIndexedColumn {
    /// The index column in `officials`.
    pub index: &'static str,
    /// The sealed column (in `official_personal`, as officials') it indexes.
    pub sealed: &'static str,
    /// All 32 bytes (a unique column) or 16.
    pub whole: bool,
}

/// Every blind index in the schema; all live in `officials`, and their
/// associated data and key derivation name the table `officials`.
pub const BLIND_INDEXES: &[BlindIndexedColumn] = &[
    BlindIndexedColumn {
        index: "identity_card_index",
        sealed: "identity_card_number",
        whole: false,
    },
    BlindIndexedColumn {
        index: "personal_identification_index",
        sealed: "personal_identification_code",
        whole: true,
    },
    BlindIndexedColumn {
        index: "social_insurance_index",
        sealed: "social_insurance_number",
        whole: false,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sealed_column_belongs_to_one_stored_table() {
        let tables = stored_tables();
        let names: Vec<&str> = tables.iter().map(|t| t.stored_in).collect();
        assert_eq!(
            names,
            [
                "official_personal",
                "official_records",
                "dossier_versions",
                "dossier_attachments",
                "users",
                "party_members",
                "sync_clients",
                "sync_events"
            ]
        );
        assert_eq!(tables[0].columns.len(), 8);
        let total: usize = tables.iter().map(|t| t.columns.len()).sum();
        assert_eq!(total, SEALED_COLUMNS.len());
        assert_eq!(
            tables[1].stale_count(),
            "((sealed IS NOT NULL AND substring(sealed from 1 for 4) <> $1))::int"
        );
    }
}
