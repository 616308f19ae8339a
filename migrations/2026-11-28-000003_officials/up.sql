-- CBCCVC profiles (Table 26) with field encryption, their histories, the
-- catalogs their coded items come from, and the keyring.

-- Data keys, each wrapped (AES-256-GCM) under the master key, which the
-- database never holds. Ciphertexts name the version that sealed them.
CREATE TABLE data_keys (
    version integer PRIMARY KEY CHECK (version > 0),
    wrapped bytea NOT NULL,
    state text NOT NULL CHECK (state IN ('active', 'retiring', 'retired')),
    created_at timestamptz NOT NULL,
    retired_at timestamptz
);
-- at most one key seals new values
CREATE UNIQUE INDEX data_keys_one_active ON data_keys ((true)) WHERE state = 'active';

-- Proof that the configured master key is the one that wrapped the data keys.
CREATE TABLE keyring (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    master_check bytea NOT NULL,
    created_at timestamptz NOT NULL
);

CREATE TABLE catalog_entries (
    catalog text NOT NULL CHECK (catalog ~ '^[a-z_]{1,40}$'),
    code text NOT NULL CHECK (length(code) BETWEEN 1 AND 40),
    name text NOT NULL,
    sort_order integer NOT NULL DEFAULT 0,
    PRIMARY KEY (catalog, code)
);

CREATE TABLE officials (
    id uuid PRIMARY KEY,
    -- PhanLoaiHoSo
    classification text NOT NULL CHECK (classification IN ('cadre', 'civil_servant', 'public_employee')),
    -- MaDonVi / MaDonViSuDung
    managing_organization_id uuid NOT NULL REFERENCES organizations (id),
    using_organization_id uuid NOT NULL REFERENCES organizations (id),
    -- Where those two sit in the tree, kept by triggers: scope checks (and
    -- row-level security) become tests on the row itself, which the search
    -- indexes carry, instead of a lookup in organizations for every row.
    managing_path ltree NOT NULL,
    using_path ltree NOT NULL,
    -- SoHieuCBCCVC
    cbccvc_code text UNIQUE CHECK (cbccvc_code ~ '^[A-Za-z0-9./-]{1,30}$'),
    -- HoVaTen, and its folded forms for search: the family name is the first
    -- word, the given name the last (Vietnamese order)
    full_name text NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
    -- byte order ("C"): the same everywhere, and a LIKE 'prefix%' becomes an index range
    name_folded text COLLATE "C" NOT NULL,
    family_name_folded text COLLATE "C" NOT NULL,
    given_name_folded text COLLATE "C" NOT NULL,
    other_names text,
    sex text NOT NULL CHECK (sex IN ('male', 'female')),
    birth_date date NOT NULL,
    -- SoCMND with issue date and place; SoDinhDanhCaNhan; SoSoBaoHiemXaHoi: sealed
    identity_card_number bytea,
    identity_card_issue bytea,
    identity_card_index bytea,
    personal_identification_code bytea,
    personal_identification_index bytea UNIQUE,
    social_insurance_number bytea,
    social_insurance_index bytea,
    ethnic_group_code text,
    religion_code text,
    hometown text,
    birthplace text,
    current_address bytea,
    phone bytea,
    email bytea,
    -- recruitment and career
    first_recruited_on date,
    recruiting_agency text,
    recruiting_position text,
    joined_current_agency_on date,
    job_position text,
    -- rank, salary, positions
    rank_code text,
    rank_since date,
    salary_step smallint CHECK (salary_step BETWEEN 1 AND 20),
    -- HeSoLuong in hundredths (4.98 is 498): exact, and no decimal type needed
    salary_coefficient_hundredths smallint CHECK (salary_coefficient_hundredths BETWEEN 100 AND 1000),
    salary_step_since date,
    seniority_allowance_percent smallint CHECK (seniority_allowance_percent BETWEEN 0 AND 100),
    next_raise_on date,
    position_code text,
    first_appointed_on date,
    reappointed_on date,
    term text,
    concurrent_positions text,
    -- education and training
    general_education text,
    education_level_code text,
    foreign_languages jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(foreign_languages) = 'array'),
    it_level text,
    political_theory_code text,
    state_management_code text,
    defence_security_training text,
    minority_languages text,
    academic_title_code text,
    academic_title_on date,
    degree_code text,
    degree_on date,
    degree_specialty text,
    -- the Party
    party_admitted_on date,
    party_official_on date,
    party_card_number bytea,
    party_position text,
    -- life cycle: profiles are never deleted
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'retired', 'deceased', 'archived')),
    retired_on date,
    died_on date,
    archived_at timestamptz,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CHECK (party_official_on IS NULL OR party_admitted_on IS NULL OR party_official_on >= party_admitted_on),
    CHECK (died_on IS NULL OR died_on >= birth_date)
);
-- Search: a given name is far more selective than a family name (Nguyễn is
-- about four in ten), and both indexes return rows already in name order,
-- so a page is a short index range scan.
CREATE INDEX officials_given_name ON officials (given_name_folded, name_folded, id)
    INCLUDE (managing_path, using_path, status);
CREATE INDEX officials_family_name ON officials (family_name_folded, name_folded, id)
    INCLUDE (managing_path, using_path, status);
CREATE INDEX officials_name_order ON officials (name_folded, id);
CREATE INDEX officials_managing ON officials (managing_organization_id);
CREATE INDEX officials_using ON officials (using_organization_id);
CREATE INDEX officials_identity_card ON officials (identity_card_index);
CREATE INDEX officials_social_insurance ON officials (social_insurance_index);

-- The repeating items, each with its period.
CREATE TABLE official_records (
    id uuid PRIMARY KEY,
    official_id uuid NOT NULL REFERENCES officials (id),
    kind text NOT NULL CHECK (kind IN ('career', 'salary', 'allowance', 'training', 'evaluation',
        'reward', 'discipline', 'property', 'income')),
    from_date date,
    to_date date,
    -- plain details, or sealed ones for discipline, property and income
    data jsonb,
    sealed bytea,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CHECK (to_date IS NULL OR from_date IS NULL OR to_date >= from_date),
    CHECK ((data IS NULL) <> (sealed IS NULL))
);
CREATE INDEX official_records_official ON official_records (official_id, kind, from_date);

-- Who changed what (field names, never values).
CREATE TABLE official_changes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    official_id uuid NOT NULL REFERENCES officials (id),
    at timestamptz NOT NULL,
    actor_id uuid,
    actor text,
    action text NOT NULL,
    fields text[] NOT NULL DEFAULT '{}'
);
CREATE INDEX official_changes_official ON official_changes (official_id, id);

GRANT SELECT ON data_keys, keyring, catalog_entries TO odb_app;
GRANT SELECT, INSERT, UPDATE ON officials, official_records TO odb_app;
GRANT SELECT, INSERT ON official_changes TO odb_app;

-- The tree paths of a profile's organizations, set from organizations (as the
-- owner: the caller's scope is checked by the policies below, not here).
CREATE FUNCTION officials_set_paths() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    NEW.managing_path := (SELECT path FROM organizations WHERE id = NEW.managing_organization_id);
    NEW.using_path := (SELECT path FROM organizations WHERE id = NEW.using_organization_id);
    RETURN NEW;
END;
$$;
CREATE TRIGGER officials_set_paths BEFORE INSERT OR UPDATE OF managing_organization_id, using_organization_id
    ON officials FOR EACH ROW EXECUTE FUNCTION officials_set_paths();

-- An organization that moves takes its profiles' paths along.
CREATE FUNCTION organizations_carry_officials() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE officials SET managing_path = NEW.path WHERE managing_organization_id = NEW.id;
    UPDATE officials SET using_path = NEW.path WHERE using_organization_id = NEW.id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER organizations_carry_officials AFTER UPDATE OF path ON organizations
    FOR EACH ROW WHEN (OLD.path IS DISTINCT FROM NEW.path)
    EXECUTE FUNCTION organizations_carry_officials();

-- A profile is visible to whoever may read its managing or its using
-- organization, and changeable by whoever may write its managing one.
ALTER TABLE officials ENABLE ROW LEVEL SECURITY;
ALTER TABLE officials FORCE ROW LEVEL SECURITY;
CREATE POLICY officials_read ON officials FOR SELECT TO odb_app USING (
    managing_path <@ ANY (odb_read_scope()) OR using_path <@ ANY (odb_read_scope()));
CREATE POLICY officials_insert ON officials FOR INSERT TO odb_app WITH CHECK (
    managing_path <@ ANY (odb_write_scope()));
CREATE POLICY officials_update ON officials FOR UPDATE TO odb_app
    USING (managing_path <@ ANY (odb_write_scope()))
    WITH CHECK (managing_path <@ ANY (odb_write_scope()));

ALTER TABLE official_records ENABLE ROW LEVEL SECURITY;
ALTER TABLE official_records FORCE ROW LEVEL SECURITY;
CREATE POLICY official_records_read ON official_records FOR SELECT TO odb_app
    USING (EXISTS (SELECT 1 FROM officials p WHERE p.id = official_id));
CREATE POLICY official_records_write ON official_records FOR ALL TO odb_app
    USING (EXISTS (SELECT 1 FROM officials p JOIN organizations o ON o.id = p.managing_organization_id
                   WHERE p.id = official_id AND o.path <@ ANY (odb_write_scope())))
    WITH CHECK (EXISTS (SELECT 1 FROM officials p JOIN organizations o ON o.id = p.managing_organization_id
                        WHERE p.id = official_id AND o.path <@ ANY (odb_write_scope())));

-- One person, one profile: a second profile for the same personal
-- identification code is refused with a pointer to the first, even when the
-- first lies outside the caller's scope (the caller already knows the code).
CREATE FUNCTION odb_official_by_personal_index(idx bytea) RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
    $$ SELECT id FROM officials WHERE personal_identification_index = idx $$;
REVOKE ALL ON FUNCTION odb_official_by_personal_index(bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION odb_official_by_personal_index(bytea) TO odb_app;
