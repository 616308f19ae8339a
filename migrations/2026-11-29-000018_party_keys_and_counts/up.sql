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

-- Statistics of today kept as counts (docs/decisions/0023-party-statistics-from-kept-counts.md):
-- for the Central Committee and each committee directly under it (the
-- provinces' and the central ones: depth 2 of the party tree), how many
-- members (probationary or official) its subtree holds by status, sex,
-- ethnic group, religion, birth year, admission year, and how many of them
-- are exempted. Rows are only ever added, in the transaction of the
-- decision that changed a member (+1 for what the member is now, -1 for
-- what they were), so no two decisions wait on a counter; a unit's count is
-- the sum of its rows, and its rows are folded into one per key now and
-- then. Age and years of membership are derived from the birth and
-- admission years at read time.
CREATE TABLE party_member_counts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    node ltree NOT NULL,
    dimension text NOT NULL CHECK (dimension IN ('status', 'sex', 'ethnic_group', 'religion',
        'birth_year', 'admission_year', 'exempted')),
    key text NOT NULL,
    n bigint NOT NULL
);
CREATE INDEX party_member_counts_node ON party_member_counts (node) INCLUDE (dimension, key, n);

-- The units whose counts include a member homed at `path`: its ancestors
-- (itself included) down to depth 2. Deeper units (a commune's committee
-- and below: tens of thousands of members at most) count their members
-- directly, and keeping counts for every cell would store more rows than
-- members.
CREATE FUNCTION odb_party_count_nodes(path ltree) RETURNS SETOF ltree
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
    $$ SELECT subpath(path, 0, i) FROM generate_series(1, least(nlevel(path), 2)) AS i $$;

-- What one member adds to the counts: a row per unit and dimension, none
-- unless they are a member (probationary or official).
CREATE FUNCTION odb_party_member_contribution(m party_members, exempted boolean)
    RETURNS TABLE (node ltree, dimension text, key text)
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT u.node, d.dimension, d.key
      FROM odb_party_count_nodes(m.path) AS u(node),
           (VALUES ('status', m.status), ('sex', m.sex),
                   ('ethnic_group', coalesce(m.ethnic_group_code, 'unknown')),
                   ('religion', coalesce(m.religion_code, 'unknown')),
                   ('birth_year', extract(year FROM m.birth_date)::int::text),
                   ('admission_year', extract(year FROM m.admitted_on)::int::text),
                   ('exempted', CASE WHEN exempted THEN 'true' END)) AS d(dimension, key)
     WHERE m.status IN ('probationary', 'official') AND d.key IS NOT NULL
$$;

-- Folds a unit's rows into one per key, leaving alone the rows another
-- transaction is folding (SKIP LOCKED: it never waits, so it never
-- deadlocks); the sum is unchanged, in one statement.
CREATE FUNCTION odb_party_counts_fold(unit ltree) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH taken AS (
        SELECT id FROM party_member_counts WHERE node = unit FOR UPDATE SKIP LOCKED
    ), gone AS (
        DELETE FROM party_member_counts c USING taken WHERE c.id = taken.id
        RETURNING c.dimension, c.key, c.n
    )
    INSERT INTO party_member_counts (node, dimension, key, n)
    SELECT unit, dimension, key, sum(n) FROM gone GROUP BY dimension, key HAVING sum(n) <> 0
$$;

-- Adds a member's change to the counts (what they are now, less what they
-- were), then folds the units that gathered many rows.
CREATE FUNCTION party_members_count() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    exempted boolean := EXISTS (SELECT 1 FROM party_exemptions x
                                WHERE x.member_id = NEW.id AND x.valid_to IS NULL);
    unit ltree;
BEGIN
    INSERT INTO party_member_counts (node, dimension, key, n)
    SELECT c.node, c.dimension, c.key, sum(c.n)
      FROM (SELECT o.*, -1 AS n FROM odb_party_member_contribution(OLD, exempted) o
            UNION ALL
            SELECT w.*, 1 AS n FROM odb_party_member_contribution(NEW, exempted) w) c
     GROUP BY c.node, c.dimension, c.key HAVING sum(c.n) <> 0;
    FOR unit IN SELECT odb_party_count_nodes(NEW.path)
                UNION SELECT odb_party_count_nodes(OLD.path) LOOP
        IF (SELECT count(*) FROM party_member_counts WHERE node = unit) > 2000 THEN
            PERFORM odb_party_counts_fold(unit);
        END IF;
    END LOOP;
    RETURN NULL;
END;
$$;
CREATE TRIGGER party_members_count AFTER INSERT ON party_members
    FOR EACH ROW EXECUTE FUNCTION party_members_count();
CREATE TRIGGER party_members_recount AFTER UPDATE ON party_members
    FOR EACH ROW WHEN ((OLD.path, OLD.status, OLD.sex, OLD.ethnic_group_code, OLD.religion_code,
                        OLD.birth_date, OLD.admitted_on)
                       IS DISTINCT FROM (NEW.path, NEW.status, NEW.sex, NEW.ethnic_group_code,
                                         NEW.religion_code, NEW.birth_date, NEW.admitted_on))
    EXECUTE FUNCTION party_members_count();

-- An exemption opened or closed changes the exempted count of a member
-- (read under the member's lock, so a concurrent change of the member
-- counts it once).
CREATE FUNCTION party_exemptions_count() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    delta integer := (NEW.valid_to IS NULL)::int
        - (TG_OP = 'UPDATE' AND OLD.valid_to IS NULL)::int;
    member party_members;
BEGIN
    IF delta = 0 THEN
        RETURN NULL;
    END IF;
    SELECT * INTO member FROM party_members WHERE id = NEW.member_id FOR UPDATE;
    IF member.status IN ('probationary', 'official') THEN
        INSERT INTO party_member_counts (node, dimension, key, n)
        SELECT u, 'exempted', 'true', delta FROM odb_party_count_nodes(member.path) AS u;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER party_exemptions_count AFTER INSERT OR UPDATE OF valid_to ON party_exemptions
    FOR EACH ROW EXECUTE FUNCTION party_exemptions_count();

-- The members already there, counted once.
INSERT INTO party_member_counts (node, dimension, key, n)
SELECT c.node, c.dimension, c.key, count(*)
  FROM party_members m,
       LATERAL odb_party_member_contribution(m, EXISTS (
           SELECT 1 FROM party_exemptions x WHERE x.member_id = m.id AND x.valid_to IS NULL)) c
 GROUP BY c.node, c.dimension, c.key;

-- A committee reads the counts of the units it sees; only the triggers write them.
ALTER TABLE party_member_counts ENABLE ROW LEVEL SECURITY;
ALTER TABLE party_member_counts FORCE ROW LEVEL SECURITY;
CREATE POLICY party_member_counts_read ON party_member_counts FOR SELECT TO odb_app
    USING (node <@ ANY ((SELECT odb_party_read_scope())));
GRANT SELECT ON party_member_counts TO odb_app;
REVOKE ALL ON FUNCTION odb_party_counts_fold(ltree) FROM PUBLIC;

-- The bands statistics report, from a number of calendar years.
CREATE FUNCTION odb_party_age_band(years integer) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN years < 30 THEN 'under_30' WHEN years < 40 THEN '30_39' WHEN years < 50 THEN '40_49'
                WHEN years < 60 THEN '50_59' WHEN years < 70 THEN '60_69' ELSE '70_and_over' END $$;
CREATE FUNCTION odb_party_membership_band(years integer) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN years < 5 THEN 'under_5' WHEN years < 10 THEN '5_9' WHEN years < 20 THEN '10_19'
                WHEN years < 30 THEN '20_29' WHEN years < 40 THEN '30_39' WHEN years < 50 THEN '40_49'
                ELSE '50_and_over' END $$;

-- Statistics of a subtree on a date. Today, for a unit down to depth 2,
-- from the kept counts (a few hundred rows, whatever the subtree's size);
-- a deeper unit (a small subtree) from the member rows, another day from
-- the periods. Age and years of membership are counted in calendar years
-- (the year of the date less the year of birth or admission) on every path.
CREATE OR REPLACE FUNCTION odb_party_statistics(root ltree, on_date date, today boolean)
    RETURNS TABLE (dimension text, key text, n bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    this_year integer := extract(year FROM on_date)::int;
BEGIN
    IF NOT coalesce(root <@ ANY (odb_party_read_scope()), false) THEN
        RAISE EXCEPTION 'the subtree lies outside the party read scope' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF today AND nlevel(root) <= 2 THEN
        RETURN QUERY
        WITH kept AS (
            SELECT c.dimension, c.key, sum(c.n)::bigint AS n FROM party_member_counts c
             WHERE c.node = root GROUP BY c.dimension, c.key HAVING sum(c.n) <> 0)
        SELECT 'total', 'all', coalesce(sum(k.n) FILTER (WHERE k.dimension = 'status'), 0)::bigint FROM kept k
        UNION ALL
        SELECT k.dimension, k.key, k.n FROM kept k
         WHERE k.dimension IN ('status', 'sex', 'ethnic_group', 'religion', 'admission_year', 'exempted')
        UNION ALL
        SELECT 'age_band', odb_party_age_band(this_year - k.key::int), sum(k.n)::bigint FROM kept k
         WHERE k.dimension = 'birth_year' GROUP BY 2
        UNION ALL
        SELECT 'years_of_membership', odb_party_membership_band(this_year - k.key::int), sum(k.n)::bigint
          FROM kept k WHERE k.dimension = 'admission_year' GROUP BY 2;
        RETURN;
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
             odb_party_age_band(this_year - extract(year FROM c.birth_date)::int) AS age_band,
             extract(year FROM c.admitted_on)::int::text AS admitted,
             odb_party_membership_band(this_year - extract(year FROM c.admitted_on)::int) AS membership,
             x.member_id IS NOT NULL AS exempted
      FROM counted c
      -- exemptions never overlap (an exclusion constraint): at most one per member
      LEFT JOIN (SELECT member_id FROM party_exemptions
                 WHERE daterange(valid_from, valid_to) @> on_date) x ON x.member_id = c.id) s
GROUP BY GROUPING SETS ((status), (sex), (age_band), (ethnic), (religion), (admitted), (membership),
                        (exempted), ());
END;
$$;
