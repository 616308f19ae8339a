-- Column mappings saved per agency (issue 15 part 3): an import names one
-- instead of sending its columns again. Saved at a unit, usable there and
-- below (the nearest unit up the tree that holds the name wins); read and
-- written within the scope of the unit that saved it, like imports.
CREATE TABLE import_mappings (
    organization_id uuid NOT NULL REFERENCES organizations (id),
    path ltree NOT NULL,
    kind text NOT NULL CHECK (kind IN ('officials')),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100 AND name = btrim(name)),
    mapping jsonb NOT NULL
        CHECK (jsonb_typeof(mapping) = 'array' AND jsonb_array_length(mapping) > 0),
    saved_by uuid REFERENCES users (id),
    saved_at timestamptz NOT NULL,
    PRIMARY KEY (organization_id, kind, name)
);
CREATE INDEX import_mappings_path ON import_mappings USING gist (path);
GRANT SELECT, INSERT, UPDATE ON import_mappings TO odb_app;
ALTER TABLE import_mappings ENABLE ROW LEVEL SECURITY;
ALTER TABLE import_mappings FORCE ROW LEVEL SECURITY;
CREATE POLICY import_mappings_read ON import_mappings FOR SELECT TO odb_app
    USING (path <@ ANY ((SELECT odb_read_scope())));
CREATE POLICY import_mappings_write ON import_mappings FOR ALL TO odb_app
    USING (path <@ ANY ((SELECT odb_write_scope())))
    WITH CHECK (path <@ ANY ((SELECT odb_write_scope())));
