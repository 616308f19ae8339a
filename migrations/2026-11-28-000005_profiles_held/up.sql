-- How many profiles the given units manage or use, counted up to `cap`: the
-- search asks it to tell a narrow scope (a commune) from a wide one (a
-- province) before it picks how to scan. It runs as the owner so the count
-- comes from index-only scans of the organization indexes, without a visit
-- to each row for row-level security; it counts only units inside the
-- caller's read scope, whose profiles the caller may list anyway. A profile
-- both managed and used there counts twice: the answer is an upper bound.
-- PL/pgSQL, not SQL, so that a pooled connection plans these queries once.
CREATE FUNCTION odb_profiles_held(units uuid[], cap integer) RETURNS integer
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    visible uuid[];
    managed integer;
    used integer;
BEGIN
    -- a missing or non-positive cap counts nothing rather than everything
    IF cap IS NULL OR cap < 1 THEN
        RETURN 0;
    END IF;
    SELECT coalesce(array_agg(id), '{}') INTO visible FROM organizations
    WHERE id = ANY (units) AND path <@ ANY (odb_read_scope());
    SELECT count(*) INTO managed FROM (
        SELECT 1 FROM officials WHERE managing_organization_id = ANY (visible) LIMIT cap) m;
    IF managed >= cap THEN
        RETURN cap;
    END IF;
    SELECT count(*) INTO used FROM (
        SELECT 1 FROM officials WHERE using_organization_id = ANY (visible) LIMIT cap - managed) u;
    RETURN managed + used;
END;
$$;
REVOKE ALL ON FUNCTION odb_profiles_held(uuid[], integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION odb_profiles_held(uuid[], integer) TO odb_app;
