DELETE FROM import_mappings WHERE kind = 'organizations';
DELETE FROM imports WHERE kind = 'organizations';
ALTER TABLE imports DROP CONSTRAINT imports_kind_check;
ALTER TABLE imports ADD CONSTRAINT imports_kind_check CHECK (kind IN ('officials'));
ALTER TABLE import_mappings DROP CONSTRAINT import_mappings_kind_check;
ALTER TABLE import_mappings ADD CONSTRAINT import_mappings_kind_check CHECK (kind IN ('officials'));
