DROP FUNCTION odb_grant_scopes(uuid);
CREATE FUNCTION odb_grant_scopes(uid uuid)
    RETURNS TABLE (grant_id uuid, role text, organization_id uuid, path ltree)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
    $$ SELECT g.id, g.role, g.organization_id, o.path
       FROM grants g JOIN organizations o ON o.id = g.organization_id
       WHERE g.user_id = uid $$;
REVOKE ALL ON FUNCTION odb_grant_scopes(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION odb_grant_scopes(uuid) TO odb_app;
DROP FUNCTION odb_party_unit_by_code(text);
DROP FUNCTION odb_party_member_by_index(bytea, bytea);
DROP FUNCTION odb_party_counts(uuid, date);
DROP FUNCTION odb_party_statistics(ltree, date, boolean);
DROP TABLE party_exemptions, party_attendances, party_transfers, party_member_periods,
    party_member_events, party_members, party_organization_predecessors, party_organization_events,
    party_organizations;
DROP FUNCTION party_member_periods_contiguous();
DROP FUNCTION party_members_set_paths();
DROP FUNCTION party_transfers_mark_member();
DROP FUNCTION party_member_periods_mirror();
DROP FUNCTION party_member_periods_set_path();
DROP FUNCTION party_organizations_set_path();
DROP FUNCTION odb_party_read_scope();
DROP FUNCTION odb_party_write_scope();
