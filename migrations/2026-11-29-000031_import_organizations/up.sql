-- Organizations imported from agencies' spreadsheets (issue 15 part 3):
-- an import, and a mapping saved for one, may be of either kind.
ALTER TABLE imports DROP CONSTRAINT imports_kind_check;
ALTER TABLE imports ADD CONSTRAINT imports_kind_check
    CHECK (kind IN ('officials', 'organizations'));
ALTER TABLE import_mappings DROP CONSTRAINT import_mappings_kind_check;
ALTER TABLE import_mappings ADD CONSTRAINT import_mappings_kind_check
    CHECK (kind IN ('officials', 'organizations'));
