ALTER POLICY organizations_read ON organizations USING (path <@ ANY (odb_read_scope()));
ALTER POLICY organizations_insert ON organizations WITH CHECK (path <@ ANY (odb_write_scope()));
ALTER POLICY organizations_update ON organizations
    USING (path <@ ANY (odb_write_scope())) WITH CHECK (path <@ ANY (odb_write_scope()));
ALTER POLICY placements_read ON organization_placements USING (path <@ ANY (odb_read_scope()));
ALTER POLICY placements_write ON organization_placements
    USING (path <@ ANY (odb_write_scope())) WITH CHECK (path <@ ANY (odb_write_scope()));
ALTER POLICY quotas_write ON staffing_quotas
    USING (EXISTS (SELECT 1 FROM organizations o WHERE o.id = organization_id AND o.path <@ ANY (odb_write_scope())))
    WITH CHECK (EXISTS (SELECT 1 FROM organizations o WHERE o.id = organization_id AND o.path <@ ANY (odb_write_scope())));
ALTER POLICY officials_read ON officials
    USING (managing_path <@ ANY (odb_read_scope()) OR using_path <@ ANY (odb_read_scope()));
ALTER POLICY officials_insert ON officials WITH CHECK (managing_path <@ ANY (odb_write_scope()));
ALTER POLICY officials_update ON officials
    USING (managing_path <@ ANY (odb_write_scope())) WITH CHECK (managing_path <@ ANY (odb_write_scope()));
ALTER POLICY official_records_write ON official_records
    USING (EXISTS (SELECT 1 FROM officials p JOIN organizations o ON o.id = p.managing_organization_id
                   WHERE p.id = official_id AND o.path <@ ANY (odb_write_scope())))
    WITH CHECK (EXISTS (SELECT 1 FROM officials p JOIN organizations o ON o.id = p.managing_organization_id
                        WHERE p.id = official_id AND o.path <@ ANY (odb_write_scope())));
