-- Which blind-index key a member's indexes were computed with, as
-- officials.blind_index_version: a blind-index key rotation recomputes the
-- members still under an older key. Members written before the column
-- existed are marked with the oldest key the database holds, so that the
-- next rotation recomputes them whatever key they were indexed with.
DO $$
BEGIN
    EXECUTE format('ALTER TABLE party_members ADD COLUMN blind_index_version integer NOT NULL DEFAULT %s
                        REFERENCES blind_index_keys (version)',
                   (SELECT min(version) FROM blind_index_keys));
END
$$;
ALTER TABLE party_members ALTER COLUMN blind_index_version DROP DEFAULT;

-- The member holding one of these personal-code or card indexes (one per
-- live blind-index key), other than `except_member`, wherever they are: one
-- person is never two members, during a rotation too.
DROP FUNCTION odb_party_member_by_index(bytea, bytea);
CREATE FUNCTION odb_party_member_by_index(personal bytea[], card bytea[], except_member uuid)
    RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
    $$ SELECT id FROM party_members
       WHERE (personal_identification_index = ANY (personal) OR party_card_index = ANY (card))
         AND id IS DISTINCT FROM except_member
       LIMIT 1 $$;
REVOKE ALL ON FUNCTION odb_party_member_by_index(bytea[], bytea[], uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION odb_party_member_by_index(bytea[], bytea[], uuid) TO odb_app;
