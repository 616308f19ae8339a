DROP FUNCTION odb_party_member_by_index(bytea[], bytea[], uuid);
CREATE FUNCTION odb_party_member_by_index(personal bytea, card bytea) RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
    $$ SELECT id FROM party_members
       WHERE personal_identification_index = personal OR party_card_index = card LIMIT 1 $$;
REVOKE ALL ON FUNCTION odb_party_member_by_index(bytea, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION odb_party_member_by_index(bytea, bytea) TO odb_app;
ALTER TABLE party_members DROP COLUMN blind_index_version;
