-- A policy that calls odb_read_scope() directly re-reads the setting and
-- re-parses the ltree[] for every row it tests: at 2.6 M profiles a search
-- in a province spent most of its time there. Written as a scalar subquery,
-- the scope becomes an InitPlan, computed once per statement (a name search
-- went from about 45 ms to under 15 ms; docs/performance.md).
ALTER POLICY organizations_read ON organizations
    USING (path <@ ANY ((SELECT odb_read_scope())));
ALTER POLICY organizations_insert ON organizations
    WITH CHECK (path <@ ANY ((SELECT odb_write_scope())));
ALTER POLICY organizations_update ON organizations
    USING (path <@ ANY ((SELECT odb_write_scope())))
    WITH CHECK (path <@ ANY ((SELECT odb_write_scope())));

ALTER POLICY placements_read ON organization_placements
    USING (path <@ ANY ((SELECT odb_read_scope())));
ALTER POLICY placements_write ON organization_placements
    USING (path <@ ANY ((SELECT odb_write_scope())))
    WITH CHECK (path <@ ANY ((SELECT odb_write_scope())));

ALTER POLICY quotas_write ON staffing_quotas
    USING (EXISTS (SELECT 1 FROM organizations o WHERE o.id = organization_id
                   AND o.path <@ ANY ((SELECT odb_write_scope()))))
    WITH CHECK (EXISTS (SELECT 1 FROM organizations o WHERE o.id = organization_id
                        AND o.path <@ ANY ((SELECT odb_write_scope()))));

ALTER POLICY officials_read ON officials
    USING (managing_path <@ ANY ((SELECT odb_read_scope()))
           OR using_path <@ ANY ((SELECT odb_read_scope())));
ALTER POLICY officials_insert ON officials
    WITH CHECK (managing_path <@ ANY ((SELECT odb_write_scope())));
ALTER POLICY officials_update ON officials
    USING (managing_path <@ ANY ((SELECT odb_write_scope())))
    WITH CHECK (managing_path <@ ANY ((SELECT odb_write_scope())));

-- The profile carries its managing organization's path: no join needed.
ALTER POLICY official_records_write ON official_records
    USING (EXISTS (SELECT 1 FROM officials p WHERE p.id = official_id
                   AND p.managing_path <@ ANY ((SELECT odb_write_scope()))))
    WITH CHECK (EXISTS (SELECT 1 FROM officials p WHERE p.id = official_id
                        AND p.managing_path <@ ANY ((SELECT odb_write_scope()))));
