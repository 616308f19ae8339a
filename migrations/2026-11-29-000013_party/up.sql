-- DB2: the party organization tree and the party members, with their dated
-- events, the periods derived from them, transfers with an accept step,
-- temporary attendance and exemptions; scoped by the PARTY tree
-- (docs/decisions/0020-party-scope-by-attached-committees.md).

CREATE TABLE party_organizations (
    id uuid PRIMARY KEY,
    code text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9][A-Z0-9._-]{0,47}$'),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    name_folded text COLLATE "C" NOT NULL,
    -- Đảng bộ / chi bộ cơ sở / chi bộ ...
    kind text NOT NULL CHECK (kind IN ('central_committee', 'party_committee', 'grassroots_committee',
        'grassroots_organization', 'cell')),
    level text NOT NULL CHECK (level IN ('central', 'province', 'district', 'commune', 'grassroots')),
    -- A unit never changes parent: the 2025 reorganization dissolved the
    -- district committees and established new units, it did not move them.
    parent_id uuid REFERENCES party_organizations (id),
    path ltree NOT NULL UNIQUE,
    -- the administrative organization the unit is attached to, when it is
    organization_id uuid REFERENCES organizations (id),
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'dissolved', 'merged', 'split')),
    established_on date NOT NULL,
    establishment_decision text CHECK (length(establishment_decision) <= 300),
    dissolved_on date,
    dissolution_decision text CHECK (length(dissolution_decision) <= 300),
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CHECK (parent_id IS DISTINCT FROM id),
    CHECK ((kind = 'central_committee') = (parent_id IS NULL)),
    CHECK ((status = 'active') = (dissolved_on IS NULL)),
    CHECK (dissolved_on IS NULL OR dissolved_on > established_on)
);
CREATE INDEX party_organizations_path ON party_organizations USING gist (path);
CREATE INDEX party_organizations_parent ON party_organizations (parent_id, name_folded, id);
CREATE INDEX party_organizations_name ON party_organizations (name_folded, id);
CREATE INDEX party_organizations_attached ON party_organizations (organization_id);

-- The path is the database's: the parent's path and the unit's own label.
CREATE FUNCTION party_organizations_set_path() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF NEW.parent_id IS DISTINCT FROM OLD.parent_id THEN
            RAISE EXCEPTION 'a party organization never changes parent' USING ERRCODE = 'check_violation';
        END IF;
        NEW.path := OLD.path;
    ELSE
        NEW.path := CASE WHEN NEW.parent_id IS NULL THEN ''::ltree
                         ELSE (SELECT path FROM party_organizations WHERE id = NEW.parent_id) END
                    || text2ltree(replace(NEW.id::text, '-', ''));
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER party_organizations_set_path BEFORE INSERT OR UPDATE ON party_organizations
    FOR EACH ROW EXECUTE FUNCTION party_organizations_set_path();

CREATE TABLE party_organization_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    party_organization_id uuid NOT NULL REFERENCES party_organizations (id),
    kind text NOT NULL CHECK (kind IN ('established', 'dissolved', 'merged_into', 'absorbed',
        'split_into', 'split_from', 'received_members')),
    effective_on date NOT NULL,
    decision_number text,
    related_party_organization_id uuid REFERENCES party_organizations (id),
    details jsonb NOT NULL DEFAULT '{}',
    recorded_at timestamptz NOT NULL
);
CREATE INDEX party_organization_events_unit ON party_organization_events (party_organization_id, id);

CREATE TABLE party_organization_predecessors (
    party_organization_id uuid NOT NULL REFERENCES party_organizations (id),
    predecessor_id uuid NOT NULL REFERENCES party_organizations (id),
    PRIMARY KEY (party_organization_id, predecessor_id),
    CHECK (party_organization_id <> predecessor_id)
);
CREATE INDEX party_organization_predecessors_pred ON party_organization_predecessors (predecessor_id);

CREATE TABLE party_members (
    id uuid PRIMARY KEY,
    -- the same person's CBCCVC profile, found by the personal code's blind index
    official_id uuid UNIQUE REFERENCES officials (id),
    full_name text NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
    name_folded text COLLATE "C" NOT NULL,
    family_name_folded text COLLATE "C" NOT NULL,
    given_name_folded text COLLATE "C" NOT NULL,
    birth_date date NOT NULL,
    sex text NOT NULL CHECK (sex IN ('male', 'female')),
    ethnic_group_code text CHECK (length(ethnic_group_code) <= 40),
    religion_code text CHECK (length(religion_code) <= 40),
    hometown text CHECK (length(hometown) <= 300),
    -- sealed (AAD: party_members, column, id), with blind indexes for exact lookup
    identity_number bytea,
    identity_index bytea,
    personal_identification_code bytea,
    personal_identification_index bytea UNIQUE,
    party_card_number bytea,
    party_card_index bytea UNIQUE,
    admitted_on date NOT NULL,
    official_on date,
    positions jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(positions) = 'array'),
    -- What the open period says (kept by the periods' trigger, in the
    -- transaction of the event that opened it): where and what the member is
    -- today, for search, scope and row-level security. Every other date is
    -- answered by party_member_periods.
    party_organization_id uuid NOT NULL REFERENCES party_organizations (id),
    path ltree NOT NULL,
    status text NOT NULL CHECK (status IN ('probationary', 'official', 'transferred_out', 'left',
        'expelled', 'deceased')),
    -- a cell attended for a while, away from the home cell (both see the member)
    attending_organization_id uuid REFERENCES party_organizations (id),
    attending_path ltree,
    attending_until date,
    -- the receiving cell of an open transfer, kept by the transfers' trigger:
    -- the receiving committee sees the member it is asked to take
    incoming_path ltree,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CHECK (official_on IS NULL OR official_on > admitted_on),
    CONSTRAINT party_members_adult CHECK (admitted_on >= birth_date + 18 * interval '1 year'),
    CHECK ((attending_organization_id IS NULL) = (attending_path IS NULL))
);
CREATE INDEX party_members_given_name ON party_members (given_name_folded, name_folded, id)
    INCLUDE (path, attending_path, attending_until, incoming_path, status);
CREATE INDEX party_members_family_name ON party_members (family_name_folded, name_folded, id)
    INCLUDE (path, attending_path, attending_until, incoming_path, status);
CREATE INDEX party_members_path ON party_members USING gist (path);
CREATE INDEX party_members_attending ON party_members USING gist (attending_path)
    WHERE attending_path IS NOT NULL;
CREATE INDEX party_members_identity ON party_members (identity_index);
CREATE INDEX party_members_cell ON party_members (party_organization_id);

-- The paths on the member row are the database's, from the two cells.
CREATE FUNCTION party_members_set_paths() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    NEW.path := (SELECT path FROM party_organizations WHERE id = NEW.party_organization_id);
    NEW.attending_path := (SELECT path FROM party_organizations WHERE id = NEW.attending_organization_id);
    RETURN NEW;
END;
$$;
CREATE TRIGGER party_members_set_paths BEFORE INSERT OR UPDATE ON party_members
    FOR EACH ROW EXECUTE FUNCTION party_members_set_paths();

-- What happened to a member, with the decision: never updated or deleted.
CREATE TABLE party_member_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id uuid NOT NULL REFERENCES party_members (id),
    kind text NOT NULL CHECK (kind IN ('admitted', 'recognized_official', 'transferred', 'transferred_out',
        'removed', 'expelled', 'deceased', 'attendance_started', 'attendance_ended', 'exempted',
        'exemption_ended', 'reward', 'discipline', 'moved_with_cell')),
    effective_on date NOT NULL,
    decision_number text CHECK (length(decision_number) <= 200),
    deciding_body text CHECK (length(deciding_body) <= 300),
    party_organization_id uuid REFERENCES party_organizations (id),
    details jsonb NOT NULL DEFAULT '{}',
    recorded_at timestamptz NOT NULL,
    recorded_by text
);
CREATE INDEX party_member_events_member ON party_member_events (member_id, effective_on, id);

-- Status and home cell over time, derived from the events: one period per
-- (cell, status) stretch. Never two at once (the exclusion), never a gap
-- (the deferred check below): a member is in exactly one cell on any date
-- from admission on.
CREATE TABLE party_member_periods (
    member_id uuid NOT NULL REFERENCES party_members (id),
    party_organization_id uuid NOT NULL REFERENCES party_organizations (id),
    path ltree NOT NULL,
    status text NOT NULL CHECK (status IN ('probationary', 'official', 'transferred_out', 'left',
        'expelled', 'deceased')),
    valid_from date NOT NULL,
    valid_to date,
    CHECK (valid_to IS NULL OR valid_to > valid_from),
    EXCLUDE USING gist (member_id WITH =, daterange(valid_from, valid_to) WITH &&)
);
CREATE UNIQUE INDEX party_member_periods_open ON party_member_periods (member_id) WHERE valid_to IS NULL;
CREATE INDEX party_member_periods_path ON party_member_periods USING gist (path, daterange(valid_from, valid_to));

-- The period's path is its cell's; the member row mirrors the open period.
CREATE FUNCTION party_member_periods_set_path() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    NEW.path := (SELECT path FROM party_organizations WHERE id = NEW.party_organization_id);
    RETURN NEW;
END;
$$;
CREATE TRIGGER party_member_periods_set_path BEFORE INSERT OR UPDATE OF party_organization_id
    ON party_member_periods FOR EACH ROW EXECUTE FUNCTION party_member_periods_set_path();

CREATE FUNCTION party_member_periods_mirror() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE party_members
       SET party_organization_id = NEW.party_organization_id, status = NEW.status
     WHERE id = NEW.member_id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER party_member_periods_mirror AFTER INSERT ON party_member_periods
    FOR EACH ROW WHEN (NEW.valid_to IS NULL) EXECUTE FUNCTION party_member_periods_mirror();

-- At commit: the member's periods follow one another without a gap and the
-- last is open.
CREATE FUNCTION party_member_periods_contiguous() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    member uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.member_id ELSE NEW.member_id END;
    open_periods integer;
    gaps integer;
BEGIN
    SELECT count(*) FILTER (WHERE valid_to IS NULL),
           count(*) FILTER (WHERE valid_to IS NOT NULL AND NOT EXISTS (
               SELECT 1 FROM party_member_periods n WHERE n.member_id = p.member_id AND n.valid_from = p.valid_to))
      INTO open_periods, gaps
      FROM party_member_periods p WHERE p.member_id = member;
    IF open_periods <> 1 OR gaps <> 0 THEN
        RAISE EXCEPTION 'party member % would be in no cell for a while', member
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END;
$$;
CREATE CONSTRAINT TRIGGER party_member_periods_contiguous AFTER INSERT OR UPDATE OR DELETE
    ON party_member_periods DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION party_member_periods_contiguous();

-- A transfer between cells: issued by the sending committee, accepted by the
-- receiving one; at most one open per member.
CREATE TABLE party_transfers (
    id uuid PRIMARY KEY,
    member_id uuid NOT NULL REFERENCES party_members (id),
    -- as the transfer papers name the member and the two units
    member_name text NOT NULL,
    from_organization_id uuid NOT NULL REFERENCES party_organizations (id),
    from_code text NOT NULL,
    from_name text NOT NULL,
    from_path ltree NOT NULL,
    to_organization_id uuid NOT NULL REFERENCES party_organizations (id),
    to_code text NOT NULL,
    to_name text NOT NULL,
    to_path ltree NOT NULL,
    status text NOT NULL CHECK (status IN ('issued', 'accepted', 'cancelled')),
    issued_on date NOT NULL,
    issue_decision text NOT NULL CHECK (length(issue_decision) BETWEEN 1 AND 200),
    issuing_body text NOT NULL CHECK (length(issuing_body) BETWEEN 1 AND 300),
    accepted_on date,
    accept_decision text CHECK (length(accept_decision) BETWEEN 1 AND 200),
    accepting_body text CHECK (length(accepting_body) BETWEEN 1 AND 300),
    cancelled_on date,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CHECK (from_organization_id <> to_organization_id),
    CHECK ((status = 'accepted') = (accepted_on IS NOT NULL AND accept_decision IS NOT NULL)),
    CHECK ((status = 'cancelled') = (cancelled_on IS NOT NULL)),
    CHECK (accepted_on IS NULL OR accepted_on >= issued_on)
);
CREATE UNIQUE INDEX party_transfers_one_open ON party_transfers (member_id) WHERE status = 'issued';

-- The member row carries the open transfer's destination, so its read
-- policy is a test on the row itself (decision 0014), not a subquery.
CREATE FUNCTION party_transfers_mark_member() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    UPDATE party_members
       SET incoming_path = CASE WHEN NEW.status = 'issued' THEN NEW.to_path END
     WHERE id = NEW.member_id;
    RETURN NULL;
END;
$$;
CREATE TRIGGER party_transfers_mark_member AFTER INSERT OR UPDATE OF status ON party_transfers
    FOR EACH ROW EXECUTE FUNCTION party_transfers_mark_member();
CREATE INDEX party_transfers_to ON party_transfers USING gist (to_path) WHERE status = 'issued';
CREATE INDEX party_transfers_from ON party_transfers USING gist (from_path);

-- Temporary attendance: a cell attended for a while; the home cell keeps and counts the member.
CREATE TABLE party_attendances (
    id uuid PRIMARY KEY,
    member_id uuid NOT NULL REFERENCES party_members (id),
    party_organization_id uuid NOT NULL REFERENCES party_organizations (id),
    from_on date NOT NULL,
    until_on date,
    ended_on date,
    decision_number text NOT NULL CHECK (length(decision_number) BETWEEN 1 AND 200),
    CHECK (until_on IS NULL OR until_on > from_on),
    CHECK (ended_on IS NULL OR ended_on > from_on),
    EXCLUDE USING gist (member_id WITH =, daterange(from_on, coalesce(ended_on, until_on)) WITH &&)
);
CREATE INDEX party_attendances_member ON party_attendances (member_id, from_on);

-- Exemption from party work and activities, for age or health: counted apart.
CREATE TABLE party_exemptions (
    member_id uuid NOT NULL REFERENCES party_members (id),
    reason text NOT NULL CHECK (reason IN ('age', 'health')),
    valid_from date NOT NULL,
    valid_to date,
    decision_number text NOT NULL CHECK (length(decision_number) BETWEEN 1 AND 200),
    CHECK (valid_to IS NULL OR valid_to > valid_from),
    EXCLUDE USING gist (member_id WITH =, daterange(valid_from, valid_to) WITH &&)
);

GRANT SELECT, INSERT, UPDATE ON party_organizations, party_members, party_member_periods,
    party_transfers, party_attendances, party_exemptions TO odb_app;
GRANT SELECT, INSERT ON party_organization_events, party_organization_predecessors,
    party_member_events TO odb_app;

-- The party tree a transaction may read and change, set beside the
-- organization scope (odb.read_scope) and empty unless the caller holds a
-- party grant: an empty setting matches nothing.
CREATE FUNCTION odb_party_read_scope() RETURNS ltree[] LANGUAGE sql STABLE AS
    $$ SELECT nullif(current_setting('odb.party_read_scope', true), '')::ltree[] $$;
CREATE FUNCTION odb_party_write_scope() RETURNS ltree[] LANGUAGE sql STABLE AS
    $$ SELECT nullif(current_setting('odb.party_write_scope', true), '')::ltree[] $$;

ALTER TABLE party_organizations ENABLE ROW LEVEL SECURITY;
ALTER TABLE party_organizations FORCE ROW LEVEL SECURITY;
CREATE POLICY party_organizations_read ON party_organizations FOR SELECT TO odb_app
    USING (path <@ ANY ((SELECT odb_party_read_scope())));
CREATE POLICY party_organizations_insert ON party_organizations FOR INSERT TO odb_app
    WITH CHECK (path <@ ANY ((SELECT odb_party_write_scope())));
CREATE POLICY party_organizations_update ON party_organizations FOR UPDATE TO odb_app
    USING (path <@ ANY ((SELECT odb_party_write_scope())))
    WITH CHECK (path <@ ANY ((SELECT odb_party_write_scope())));

ALTER TABLE party_organization_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE party_organization_events FORCE ROW LEVEL SECURITY;
CREATE POLICY party_organization_events_read ON party_organization_events FOR SELECT TO odb_app
    USING (EXISTS (SELECT 1 FROM party_organizations o WHERE o.id = party_organization_id));
CREATE POLICY party_organization_events_insert ON party_organization_events FOR INSERT TO odb_app
    WITH CHECK (EXISTS (SELECT 1 FROM party_organizations o WHERE o.id = party_organization_id
                        AND o.path <@ ANY ((SELECT odb_party_write_scope()))));

-- A member is seen by the committees over the home cell, over a cell they
-- attend for now, and over the cell an open transfer sends them to; changed
-- by the first and, while the transfer is open, the last.
ALTER TABLE party_members ENABLE ROW LEVEL SECURITY;
ALTER TABLE party_members FORCE ROW LEVEL SECURITY;
CREATE POLICY party_members_read ON party_members FOR SELECT TO odb_app USING (
    path <@ ANY ((SELECT odb_party_read_scope()))
    OR (attending_path <@ ANY ((SELECT odb_party_read_scope()))
        AND (attending_until IS NULL OR attending_until >= current_date))
    OR incoming_path <@ ANY ((SELECT odb_party_read_scope())));
CREATE POLICY party_members_insert ON party_members FOR INSERT TO odb_app
    WITH CHECK (path <@ ANY ((SELECT odb_party_write_scope())));
CREATE POLICY party_members_update ON party_members FOR UPDATE TO odb_app
    USING (path <@ ANY ((SELECT odb_party_write_scope()))
           OR incoming_path <@ ANY ((SELECT odb_party_write_scope())))
    WITH CHECK (path <@ ANY ((SELECT odb_party_write_scope()))
           OR incoming_path <@ ANY ((SELECT odb_party_write_scope())));

-- A committee reads the periods of its own cells (statistics as of a date)
-- and the whole story of a member it sees.
ALTER TABLE party_member_periods ENABLE ROW LEVEL SECURITY;
ALTER TABLE party_member_periods FORCE ROW LEVEL SECURITY;
CREATE POLICY party_member_periods_read ON party_member_periods FOR SELECT TO odb_app
    USING (path <@ ANY ((SELECT odb_party_read_scope()))
           OR EXISTS (SELECT 1 FROM party_members m WHERE m.id = member_id));
CREATE POLICY party_member_periods_insert ON party_member_periods FOR INSERT TO odb_app
    WITH CHECK (path <@ ANY ((SELECT odb_party_write_scope())));
CREATE POLICY party_member_periods_update ON party_member_periods FOR UPDATE TO odb_app
    USING (path <@ ANY ((SELECT odb_party_write_scope()))
           OR EXISTS (SELECT 1 FROM party_members m WHERE m.id = member_id
                      AND m.incoming_path <@ ANY ((SELECT odb_party_write_scope()))));

ALTER TABLE party_member_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE party_member_events FORCE ROW LEVEL SECURITY;
CREATE POLICY party_member_events_read ON party_member_events FOR SELECT TO odb_app
    USING (EXISTS (SELECT 1 FROM party_members m WHERE m.id = member_id));
CREATE POLICY party_member_events_insert ON party_member_events FOR INSERT TO odb_app
    WITH CHECK (EXISTS (SELECT 1 FROM party_members m WHERE m.id = member_id
        AND (m.path <@ ANY ((SELECT odb_party_write_scope()))
             OR m.incoming_path <@ ANY ((SELECT odb_party_write_scope())))));

ALTER TABLE party_transfers ENABLE ROW LEVEL SECURITY;
ALTER TABLE party_transfers FORCE ROW LEVEL SECURITY;
CREATE POLICY party_transfers_read ON party_transfers FOR SELECT TO odb_app
    USING (from_path <@ ANY ((SELECT odb_party_read_scope()))
           OR to_path <@ ANY ((SELECT odb_party_read_scope())));
CREATE POLICY party_transfers_insert ON party_transfers FOR INSERT TO odb_app
    WITH CHECK (from_path <@ ANY ((SELECT odb_party_write_scope())));
CREATE POLICY party_transfers_update ON party_transfers FOR UPDATE TO odb_app
    USING (from_path <@ ANY ((SELECT odb_party_write_scope()))
           OR to_path <@ ANY ((SELECT odb_party_write_scope())));

ALTER TABLE party_attendances ENABLE ROW LEVEL SECURITY;
ALTER TABLE party_attendances FORCE ROW LEVEL SECURITY;
CREATE POLICY party_attendances_read ON party_attendances FOR SELECT TO odb_app
    USING (EXISTS (SELECT 1 FROM party_members m WHERE m.id = member_id));
CREATE POLICY party_attendances_write ON party_attendances FOR ALL TO odb_app
    USING (EXISTS (SELECT 1 FROM party_members m WHERE m.id = member_id
                   AND m.path <@ ANY ((SELECT odb_party_write_scope()))))
    WITH CHECK (EXISTS (SELECT 1 FROM party_members m WHERE m.id = member_id
                        AND m.path <@ ANY ((SELECT odb_party_write_scope()))));

ALTER TABLE party_exemptions ENABLE ROW LEVEL SECURITY;
ALTER TABLE party_exemptions FORCE ROW LEVEL SECURITY;
CREATE POLICY party_exemptions_read ON party_exemptions FOR SELECT TO odb_app
    USING (EXISTS (SELECT 1 FROM party_members m WHERE m.id = member_id));
CREATE POLICY party_exemptions_write ON party_exemptions FOR ALL TO odb_app
    USING (EXISTS (SELECT 1 FROM party_members m WHERE m.id = member_id
                   AND m.path <@ ANY ((SELECT odb_party_write_scope()))))
    WITH CHECK (EXISTS (SELECT 1 FROM party_members m WHERE m.id = member_id
                        AND m.path <@ ANY ((SELECT odb_party_write_scope()))));

-- A transfer names a destination outside the sender's scope by its code, as
-- the receiving committee's papers give it: only what the papers say.
CREATE FUNCTION odb_party_unit_by_code(unit_code text)
    RETURNS TABLE (id uuid, code text, name text, kind text, status text, path ltree)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
    $$ SELECT id, code, name, kind, status, path FROM party_organizations WHERE code = unit_code $$;
-- The member already holding a personal identification code or a party
-- card, wherever they are: one person is never two members.
CREATE FUNCTION odb_party_member_by_index(personal bytea, card bytea) RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
    $$ SELECT id FROM party_members
       WHERE personal_identification_index = personal OR party_card_index = card LIMIT 1 $$;
-- Table 25 items 22 to 25 of an organization, shown to whoever reads the
-- organization: counts only, of the party organizations attached to it and
-- everything under them on a date, and of their members by status.
CREATE FUNCTION odb_party_counts(org uuid, on_date date)
    RETURNS TABLE (what text, key text, n bigint)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH roots AS (
        SELECT path FROM party_organizations
        WHERE organization_id = org AND established_on <= on_date
          AND (dissolved_on IS NULL OR dissolved_on > on_date))
    SELECT 'party_organizations', u.kind, count(*)
      FROM party_organizations u
     WHERE u.path <@ ANY (ARRAY(SELECT path FROM roots)) AND u.established_on <= on_date
       AND (u.dissolved_on IS NULL OR u.dissolved_on > on_date)
     GROUP BY u.kind
    UNION ALL
    SELECT 'members', p.status, count(*)
      FROM party_member_periods p
     WHERE p.path <@ ANY (ARRAY(SELECT path FROM roots))
       AND daterange(p.valid_from, p.valid_to) @> on_date AND p.status IN ('probationary', 'official')
     GROUP BY p.status
$$;
REVOKE ALL ON FUNCTION odb_party_unit_by_code(text), odb_party_member_by_index(bytea, bytea),
    odb_party_counts(uuid, date) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION odb_party_unit_by_code(text), odb_party_member_by_index(bytea, bytea),
    odb_party_counts(uuid, date) TO odb_app;

-- Statistics of a subtree on a date, counted by the owner (row-level security
-- would hide the path index behind its per-row test: ltree operators are not
-- leak-proof) after checking the subtree lies inside the caller's party read
-- scope. Today from the member rows (an index-only scan of
-- party_members_stats), another day from the periods.
CREATE INDEX party_members_stats ON party_members (path, status)
    INCLUDE (id, sex, birth_date, admitted_on, ethnic_group_code, religion_code);
CREATE FUNCTION odb_party_statistics(root ltree, on_date date, today boolean)
    RETURNS TABLE (dimension text, key text, n bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
BEGIN
    IF NOT coalesce(root <@ ANY (odb_party_read_scope()), false) THEN
        RAISE EXCEPTION 'the subtree lies outside the party read scope' USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN QUERY
    WITH counted AS (
        -- descendants of root sort between root and root.zzzz (labels are hex)
        SELECT m.id, m.status, m.sex, m.ethnic_group_code, m.religion_code, m.birth_date, m.admitted_on
          FROM party_members m
         WHERE today AND m.path >= root AND m.path < root || 'zzzz'
           AND m.status IN ('probationary', 'official')
        UNION ALL
        SELECT m.id, p.status, m.sex, m.ethnic_group_code, m.religion_code, m.birth_date, m.admitted_on
          FROM party_member_periods p JOIN party_members m ON m.id = p.member_id
         WHERE NOT today AND p.path <@ root AND daterange(p.valid_from, p.valid_to) @> on_date
           AND p.status IN ('probationary', 'official'))
    SELECT CASE WHEN GROUPING(status) = 0 THEN 'status' WHEN GROUPING(sex) = 0 THEN 'sex'
            WHEN GROUPING(age_band) = 0 THEN 'age_band' WHEN GROUPING(ethnic) = 0 THEN 'ethnic_group'
            WHEN GROUPING(religion) = 0 THEN 'religion' WHEN GROUPING(admitted) = 0 THEN 'admission_year'
            WHEN GROUPING(membership) = 0 THEN 'years_of_membership'
            WHEN GROUPING(exempted) = 0 THEN 'exempted' ELSE 'total' END AS dimension,
       coalesce(CASE WHEN GROUPING(status) = 0 THEN status WHEN GROUPING(sex) = 0 THEN sex
            WHEN GROUPING(age_band) = 0 THEN age_band WHEN GROUPING(ethnic) = 0 THEN ethnic
            WHEN GROUPING(religion) = 0 THEN religion WHEN GROUPING(admitted) = 0 THEN admitted
            WHEN GROUPING(membership) = 0 THEN membership
            WHEN GROUPING(exempted) = 0 THEN exempted::text ELSE 'all' END, 'unknown') AS key,
       count(*) AS n
FROM (SELECT c.status, c.sex, c.ethnic_group_code AS ethnic, c.religion_code AS religion,
             CASE WHEN a < 30 THEN 'under_30' WHEN a < 40 THEN '30_39' WHEN a < 50 THEN '40_49'
                  WHEN a < 60 THEN '50_59' WHEN a < 70 THEN '60_69' ELSE '70_and_over' END AS age_band,
             extract(year FROM c.admitted_on)::int::text AS admitted,
             CASE WHEN y < 5 THEN 'under_5' WHEN y < 10 THEN '5_9' WHEN y < 20 THEN '10_19'
                  WHEN y < 30 THEN '20_29' WHEN y < 40 THEN '30_39' WHEN y < 50 THEN '40_49'
                  ELSE '50_and_over' END AS membership,
             x.member_id IS NOT NULL AS exempted
      FROM counted c
      -- exemptions never overlap (an exclusion constraint): at most one per member
      LEFT JOIN (SELECT member_id FROM party_exemptions
                 WHERE daterange(valid_from, valid_to) @> on_date) x ON x.member_id = c.id,
           LATERAL (SELECT extract(year FROM age(on_date, c.birth_date))::int AS a,
                           extract(year FROM age(on_date, c.admitted_on))::int AS y) ages) s
GROUP BY GROUPING SETS ((status), (sex), (age_band), (ethnic), (religion), (admitted), (membership),
                        (exempted), ());
END;
$$;
REVOKE ALL ON FUNCTION odb_party_statistics(ltree, date, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION odb_party_statistics(ltree, date, boolean) TO odb_app;

-- A party grant is given at an administrative unit and covers the subtrees
-- of the party organizations attached inside that unit's subtree (the
-- outermost ones); other grants cover none.
DROP FUNCTION odb_grant_scopes(uuid);
CREATE FUNCTION odb_grant_scopes(uid uuid)
    RETURNS TABLE (grant_id uuid, role text, organization_id uuid, path ltree, party_paths ltree[])
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS
    $$ SELECT g.id, g.role, g.organization_id, o.path,
              CASE WHEN g.role IN ('party_viewer', 'party_editor', 'system_admin') THEN
                  ARRAY(SELECT p.path FROM party_organizations p JOIN organizations a ON a.id = p.organization_id
                        WHERE a.path <@ o.path
                          AND NOT EXISTS (SELECT 1 FROM party_organizations q
                                          JOIN organizations b ON b.id = q.organization_id
                                          WHERE b.path <@ o.path AND p.path <@ q.path AND p.path <> q.path)
                        ORDER BY p.path)
              ELSE '{}'::ltree[] END
       FROM grants g JOIN organizations o ON o.id = g.organization_id
       WHERE g.user_id = uid $$;
REVOKE ALL ON FUNCTION odb_grant_scopes(uuid) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION odb_grant_scopes(uuid) TO odb_app;
