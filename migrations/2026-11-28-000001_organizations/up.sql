-- Organizations of the whole political system as a tree, with the history that
-- reorganizations must never rewrite.
CREATE EXTENSION IF NOT EXISTS ltree;
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE organizations (
    id uuid PRIMARY KEY,
    code text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9][A-Z0-9._-]{0,31}$'),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    -- lower-case, diacritics removed (đ -> d): what name queries match against
    name_folded text COLLATE "C" NOT NULL,
    abbreviation text CHECK (length(abbreviation) <= 50),
    level text NOT NULL CHECK (level IN ('central', 'province', 'district', 'commune')),
    org_type text NOT NULL CHECK (org_type ~ '^[a-z][a-z0-9_]{0,49}$'),
    org_group smallint NOT NULL CHECK (org_group IN (1, 2)),
    parent_id uuid REFERENCES organizations (id),
    -- materialized path of id labels from the root: subtree questions are GiST index lookups
    path ltree NOT NULL UNIQUE,
    executive_agency_id uuid REFERENCES organizations (id),
    agency_number text,
    status text NOT NULL DEFAULT 'active' CHECK (status IN (
        'active', 'dissolving', 'dissolved', 'merged', 'split', 'equity_converted', 'joint_venture')),
    accounting_method text,
    address text,
    phone text,
    tax_code text,
    social_insurance_office text,
    bank_account text,
    established_on date,
    establishment_decision text,
    dissolved_on date,
    dissolution_decision text,
    party_organization_name text,
    party_organization_type text,
    awards jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(awards) = 'array'),
    disciplines jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(disciplines) = 'array'),
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CHECK (parent_id IS DISTINCT FROM id),
    CHECK (dissolved_on IS NULL OR established_on IS NULL OR dissolved_on >= established_on),
    -- terminal statuses come only from a reorganization, which always records its date
    CHECK (status NOT IN ('dissolved', 'merged', 'split') OR dissolved_on IS NOT NULL)
);
CREATE INDEX organizations_path_gist ON organizations USING gist (path);
CREATE INDEX organizations_parent_name ON organizations (parent_id, name_folded, id);
CREATE INDEX organizations_name_order ON organizations (name_folded, id);
CREATE INDEX organizations_name_trgm ON organizations USING gin (name_folded gin_trgm_ops);

-- Where each organization stood in the tree over time: `as_of` reads come from here.
CREATE TABLE organization_placements (
    organization_id uuid NOT NULL REFERENCES organizations (id),
    parent_id uuid REFERENCES organizations (id),
    path ltree NOT NULL,
    valid_from date NOT NULL,
    valid_to date,
    CHECK (valid_to IS NULL OR valid_to > valid_from),
    EXCLUDE USING gist (organization_id WITH =, daterange(valid_from, valid_to) WITH &&)
);
CREATE INDEX organization_placements_path ON organization_placements USING gist (path, daterange(valid_from, valid_to));
CREATE INDEX organization_placements_org ON organization_placements (organization_id, valid_from);

CREATE TABLE reorganizations (
    id uuid PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('merge', 'split', 'dissolve')),
    decision_number text NOT NULL CHECK (length(decision_number) BETWEEN 1 AND 200),
    effective_date date NOT NULL,
    note text,
    recorded_at timestamptz NOT NULL
);

CREATE TABLE organization_predecessors (
    organization_id uuid NOT NULL REFERENCES organizations (id),
    predecessor_id uuid NOT NULL REFERENCES organizations (id),
    reorganization_id uuid REFERENCES reorganizations (id),
    PRIMARY KEY (organization_id, predecessor_id),
    CHECK (organization_id <> predecessor_id)
);
CREATE INDEX organization_predecessors_pred ON organization_predecessors (predecessor_id);

-- The story of each organization, append-only.
CREATE TABLE organization_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    kind text NOT NULL CHECK (kind IN (
        'created', 'updated', 'moved', 'merged_into', 'absorbed', 'split_into', 'split_from',
        'dissolved', 'received_children')),
    effective_date date NOT NULL,
    decision_number text,
    reorganization_id uuid REFERENCES reorganizations (id),
    related_organization_id uuid REFERENCES organizations (id),
    details jsonb NOT NULL DEFAULT '{}',
    recorded_at timestamptz NOT NULL
);
CREATE INDEX organization_events_org ON organization_events (organization_id, id);

CREATE TABLE staffing_quotas (
    id uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    period text NOT NULL CHECK (period ~ '^[0-9]{4}(-(0[1-9]|1[0-2]))?$'),
    category text NOT NULL CHECK (category IN ('cadre', 'civil_servant', 'public_employee', 'other')),
    assigned integer NOT NULL CHECK (assigned >= 0),
    assigned_decision text,
    current integer NOT NULL CHECK (current >= 0),
    version integer NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL,
    UNIQUE (organization_id, period, category)
);
CREATE INDEX staffing_quotas_period ON staffing_quotas (period, organization_id);

-- Fixtures loaded once (odb demo / odb fixtures load).
CREATE TABLE fixture_loads (
    name text PRIMARY KEY,
    loaded_at timestamptz NOT NULL
);
