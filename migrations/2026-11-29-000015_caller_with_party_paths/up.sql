-- odb_caller (migration 000011) also returns, per grant, the party subtrees
-- it covers (decision 0020; the same rule as odb_grant_scopes): party roles
-- and system_admin cover the party organizations attached inside the
-- grant's subtree, topmost only, joined by ',' (ltree labels never hold one),
-- so the party scope needs no second statement.
--
-- In PL/pgSQL: PostgreSQL keeps its plan for the session, where a LANGUAGE
-- sql function that cannot be inlined (this one writes) is planned again on
-- every call. Measured with pgbench on the bench/run cluster (system
-- administrator, 195 party organizations): 0.56 to 0.82 ms a call against
-- 2.4 to 2.7 ms (docs/performance.md).
DROP FUNCTION odb_caller(bytea, timestamptz);
CREATE FUNCTION odb_caller(token_digest bytea, request_time timestamptz)
    RETURNS TABLE (session_id uuid, user_id uuid, username text, mfa_at timestamptz,
                   step_up_max_age_seconds integer, grant_ids uuid[], roles text[],
                   organization_ids uuid[], paths text[], party_paths text[])
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    RETURN QUERY
    WITH live AS (
        SELECT s.id, s.user_id, u.username, s.mfa_at, s.last_used_at,
               p.step_up_max_age_seconds,
               make_interval(secs => p.idle_timeout_seconds) AS idle
        FROM sessions s
        JOIN users u ON u.id = s.user_id
        JOIN organizations o ON o.id = u.home_organization_id
        JOIN level_policies p ON p.level = o.level
        WHERE s.token_hash = token_digest
          AND s.revoked_at IS NULL
          -- a lock stops new sign-ins; only disabling ends sessions
          AND u.status <> 'disabled'
          AND p.sign_in_allowed
          AND request_time < s.expires_at
          AND request_time - s.last_used_at <= make_interval(secs => p.idle_timeout_seconds)
    ), touched AS (
        UPDATE sessions SET last_used_at = request_time
        FROM live
        WHERE sessions.id = live.id
          AND request_time - live.last_used_at >= least(live.idle / 10, interval '1 minute')
    )
    SELECT live.id, live.user_id, live.username, live.mfa_at, live.step_up_max_age_seconds,
           coalesce(g.ids, '{}'), coalesce(g.roles, '{}'), coalesce(g.organizations, '{}'),
           coalesce(g.paths, '{}'), coalesce(g.party_paths, '{}')
    FROM live
    LEFT JOIN LATERAL (
        SELECT array_agg(gr.id ORDER BY gr.granted_at, gr.id) AS ids,
               array_agg(gr.role ORDER BY gr.granted_at, gr.id) AS roles,
               array_agg(gr.organization_id ORDER BY gr.granted_at, gr.id) AS organizations,
               array_agg(go.path::text ORDER BY gr.granted_at, gr.id) AS paths,
               array_agg(array_to_string(
                   CASE WHEN gr.role IN ('party_viewer', 'party_editor', 'system_admin') THEN
                       ARRAY(SELECT p.path FROM party_organizations p
                             JOIN organizations a ON a.id = p.organization_id
                             WHERE a.path <@ go.path
                               AND NOT EXISTS (SELECT 1 FROM party_organizations q
                                               JOIN organizations b ON b.id = q.organization_id
                                               WHERE b.path <@ go.path AND p.path <@ q.path
                                                 AND p.path <> q.path)
                             ORDER BY p.path)
                   ELSE '{}'::ltree[] END, ',') ORDER BY gr.granted_at, gr.id) AS party_paths
        FROM grants gr
        JOIN organizations go ON go.id = gr.organization_id
        WHERE gr.user_id = live.user_id
    ) g ON true;
END
$$;
REVOKE ALL ON FUNCTION odb_caller(bytea, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION odb_caller(bytea, timestamptz) TO odb_app;
