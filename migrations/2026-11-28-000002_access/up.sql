-- Accounts, two factors, sessions, grants scoped to subtrees, per-level
-- policies, the hash-chained audit log, and row-level security.

CREATE TABLE users (
    id uuid PRIMARY KEY,
    username text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
    display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    home_organization_id uuid NOT NULL REFERENCES organizations (id),
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled', 'locked')),
    -- argon2id PHC string
    password_hash text NOT NULL,
    -- base32 TOTP secret; confirmed once a first code proved the enrollment
    totp_secret text,
    totp_confirmed boolean NOT NULL DEFAULT false,
    -- the last accepted TOTP time step: a code at or below it is a replay
    totp_last_step bigint,
    failed_attempts integer NOT NULL DEFAULT 0,
    locked_until timestamptz,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE recovery_codes (
    user_id uuid NOT NULL REFERENCES users (id),
    code_hash text NOT NULL,
    used_at timestamptz,
    PRIMARY KEY (user_id, code_hash)
);

-- Between a correct password and a correct second factor.
CREATE TABLE mfa_challenges (
    token_hash bytea PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id),
    expires_at timestamptz NOT NULL,
    used boolean NOT NULL DEFAULT false
);

CREATE TABLE sessions (
    id uuid PRIMARY KEY,
    -- SHA-256 of the bearer token; the token itself is never stored
    token_hash bytea NOT NULL UNIQUE,
    user_id uuid NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    last_used_at timestamptz NOT NULL,
    mfa_at timestamptz NOT NULL,
    address text,
    user_agent text,
    revoked_at timestamptz
);
CREATE INDEX sessions_user ON sessions (user_id) WHERE revoked_at IS NULL;

CREATE TABLE grants (
    id uuid PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id),
    role text NOT NULL CHECK (role IN ('system_admin', 'org_admin', 'personnel_viewer', 'personnel_editor',
        'party_viewer', 'party_editor', 'dossier_officer', 'groupware_user', 'auditor', 'sync_client')),
    organization_id uuid NOT NULL REFERENCES organizations (id),
    granted_by uuid REFERENCES users (id),
    granted_at timestamptz NOT NULL,
    UNIQUE (user_id, role, organization_id)
);

CREATE TABLE level_policies (
    level text PRIMARY KEY CHECK (level IN ('central', 'province', 'district', 'commune')),
    session_lifetime_seconds integer NOT NULL CHECK (session_lifetime_seconds BETWEEN 300 AND 86400),
    idle_timeout_seconds integer NOT NULL CHECK (idle_timeout_seconds BETWEEN 60 AND 86400),
    step_up_max_age_seconds integer NOT NULL CHECK (step_up_max_age_seconds BETWEEN 30 AND 86400),
    sign_in_allowed boolean NOT NULL,
    version integer NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL
);
INSERT INTO level_policies VALUES
    ('central', 28800, 1800, 900, true, 1, now()),
    ('province', 28800, 1800, 900, true, 1, now()),
    ('district', 28800, 1800, 900, true, 1, now()),
    -- commune and ward committees use ODB only once approved
    ('commune', 14400, 900, 600, false, 1, now());

-- Failed sign-ins per source address, for throttling.
CREATE TABLE address_failures (
    address text PRIMARY KEY,
    failures integer NOT NULL,
    window_start timestamptz NOT NULL
);

CREATE TABLE audit_log (
    id bigint PRIMARY KEY,
    at timestamptz NOT NULL,
    actor_id uuid,
    actor text,
    action text NOT NULL,
    entity_type text,
    entity_id text,
    -- where the entity sits in the tree, for auditors' scope
    organization_path ltree,
    fields text[] NOT NULL DEFAULT '{}',
    outcome text NOT NULL,
    address text,
    request_id text,
    details jsonb NOT NULL DEFAULT '{}',
    prev_hash bytea NOT NULL,
    hash bytea NOT NULL UNIQUE
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_path ON audit_log USING gist (organization_path);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP;
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- The service runs as odb_app: it owns nothing, cannot bypass row-level
-- security, and may only append to the audit log.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'odb_app') THEN
        CREATE ROLE odb_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
    END IF;
END;
$$;
-- the owner (who runs migrations and the command line) switches to it
GRANT odb_app TO CURRENT_USER;
GRANT USAGE ON SCHEMA public TO odb_app;
GRANT SELECT, INSERT, UPDATE ON organizations, organization_placements, staffing_quotas, users,
    sessions, grants, level_policies, address_failures, mfa_challenges, recovery_codes TO odb_app;
GRANT DELETE ON organization_placements, grants, mfa_challenges, address_failures, recovery_codes TO odb_app;
GRANT SELECT, INSERT ON organization_events, organization_predecessors, reorganizations, fixture_loads,
    audit_log TO odb_app;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO odb_app;

-- Scope: the ltree paths a transaction's caller may read and write, set with
-- set_config(..., true) at the start of each transaction. On a pooled
-- connection the setting reads '' after such a transaction, so '' must mean
-- "no scope", never "everything": nullif turns it into NULL, and <@ ANY(NULL)
-- matches nothing.
CREATE FUNCTION odb_read_scope() RETURNS ltree[] LANGUAGE sql STABLE AS
    $$ SELECT nullif(current_setting('odb.read_scope', true), '')::ltree[] $$;
CREATE FUNCTION odb_write_scope() RETURNS ltree[] LANGUAGE sql STABLE AS
    $$ SELECT nullif(current_setting('odb.write_scope', true), '')::ltree[] $$;

ALTER TABLE organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE organizations FORCE ROW LEVEL SECURITY;
CREATE POLICY organizations_read ON organizations FOR SELECT TO odb_app
    USING (path <@ ANY (odb_read_scope()));
CREATE POLICY organizations_insert ON organizations FOR INSERT TO odb_app
    WITH CHECK (path <@ ANY (odb_write_scope()));
CREATE POLICY organizations_update ON organizations FOR UPDATE TO odb_app
    USING (path <@ ANY (odb_write_scope())) WITH CHECK (path <@ ANY (odb_write_scope()));

ALTER TABLE organization_placements ENABLE ROW LEVEL SECURITY;
ALTER TABLE organization_placements FORCE ROW LEVEL SECURITY;
CREATE POLICY placements_read ON organization_placements FOR SELECT TO odb_app
    USING (path <@ ANY (odb_read_scope()));
CREATE POLICY placements_write ON organization_placements FOR ALL TO odb_app
    USING (path <@ ANY (odb_write_scope())) WITH CHECK (path <@ ANY (odb_write_scope()));

ALTER TABLE staffing_quotas ENABLE ROW LEVEL SECURITY;
ALTER TABLE staffing_quotas FORCE ROW LEVEL SECURITY;
CREATE POLICY quotas_read ON staffing_quotas FOR SELECT TO odb_app
    USING (EXISTS (SELECT 1 FROM organizations o WHERE o.id = organization_id));
CREATE POLICY quotas_write ON staffing_quotas FOR ALL TO odb_app
    USING (EXISTS (SELECT 1 FROM organizations o WHERE o.id = organization_id AND o.path <@ ANY (odb_write_scope())))
    WITH CHECK (EXISTS (SELECT 1 FROM organizations o WHERE o.id = organization_id AND o.path <@ ANY (odb_write_scope())));

-- Sign-in must learn a user's level and grants before any scope exists:
-- these two narrow functions run as the owner and reveal nothing else.
CREATE FUNCTION odb_organization_level(org uuid) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
    $$ SELECT level FROM organizations WHERE id = org $$;
CREATE FUNCTION odb_grant_scopes(uid uuid)
    RETURNS TABLE (grant_id uuid, role text, organization_id uuid, path ltree)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
    $$ SELECT g.id, g.role, g.organization_id, o.path
       FROM grants g JOIN organizations o ON o.id = g.organization_id
       WHERE g.user_id = uid $$;
REVOKE ALL ON FUNCTION odb_organization_level(uuid), odb_grant_scopes(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION odb_organization_level(uuid), odb_grant_scopes(uuid) TO odb_app;

-- readiness compares applied migrations with the embedded ones
GRANT SELECT ON __diesel_schema_migrations TO odb_app;
