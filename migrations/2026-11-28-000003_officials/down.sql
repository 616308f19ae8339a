DROP FUNCTION odb_official_by_personal_index(bytea);
DROP TABLE official_changes;
DROP TABLE official_records;
DROP TABLE officials;
DROP TABLE catalog_entries;
DROP TABLE keyring;
DROP TABLE data_keys;
