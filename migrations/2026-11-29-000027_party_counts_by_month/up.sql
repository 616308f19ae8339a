-- Statistics of a past date from kept changes by month
-- (docs/decisions/0032-party-statistics-of-a-past-date.md). For the units
-- the counts of today are kept for (the Central Committee and the
-- committees directly under it), each change of a member's counted state
-- is kept as +1 (from the day a counted period or an exemption within one
-- starts) and -1 (from the day it ends), summed by the month it takes
-- effect in. A unit's statistics on date D are the sum of its months
-- before D's month plus the changes between the first of D's month and D,
-- read from the periods (a month's worth of them). Rows are only ever
-- added, in the transaction of the decision, and folded by unit and month
-- now and then, as for the counts of today (decision 0023).
CREATE TABLE party_member_count_changes (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    node ltree NOT NULL,
    month date NOT NULL CHECK (extract(day FROM month) = 1),
    dimension text NOT NULL CHECK (dimension IN ('status', 'sex', 'ethnic_group', 'religion',
        'birth_year', 'admission_year', 'exempted')),
    key text NOT NULL,
    n bigint NOT NULL
);
CREATE INDEX party_member_count_changes_node ON party_member_count_changes (node, month)
    INCLUDE (dimension, key, n);

-- The changes of the current month are read from the periods by date.
CREATE INDEX party_member_periods_from ON party_member_periods (valid_from);
CREATE INDEX party_member_periods_to ON party_member_periods (valid_to) WHERE valid_to IS NOT NULL;
CREATE INDEX party_exemptions_from ON party_exemptions (valid_from);
CREATE INDEX party_exemptions_to ON party_exemptions (valid_to) WHERE valid_to IS NOT NULL;

-- What a period of member m changes in the counts, and on which dates:
-- +1 for each dimension from its first day, -1 from the day it ends; none
-- unless the member is counted in it (probationary or official).
CREATE FUNCTION odb_party_period_changes(p party_member_periods, m party_members)
    RETURNS TABLE (node ltree, on_date date, dimension text, key text, n integer)
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT u.node, e.on_date, d.dimension, d.key, e.n
      FROM odb_party_count_nodes(p.path) AS u(node),
           (VALUES (p.valid_from, 1), (p.valid_to, -1)) AS e(on_date, n),
           (VALUES ('status', p.status), ('sex', m.sex),
                   ('ethnic_group', coalesce(m.ethnic_group_code, 'unknown')),
                   ('religion', coalesce(m.religion_code, 'unknown')),
                   ('birth_year', extract(year FROM m.birth_date)::int::text),
                   ('admission_year', extract(year FROM m.admitted_on)::int::text)) AS d(dimension, key)
     WHERE p.status IN ('probationary', 'official') AND e.on_date IS NOT NULL
$$;

-- The same for the exempted: the days a counted period and an exemption of
-- the same member share (least and greatest skip the open ends, NULL).
CREATE FUNCTION odb_party_exemption_changes(p party_member_periods, x party_exemptions)
    RETURNS TABLE (node ltree, on_date date, dimension text, key text, n integer)
    LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT u.node, e.on_date, 'exempted', 'true', e.n
      FROM odb_party_count_nodes(p.path) AS u(node),
           (VALUES (greatest(p.valid_from, x.valid_from), 1),
                   (least(p.valid_to, x.valid_to), -1)) AS e(on_date, n)
     WHERE p.status IN ('probationary', 'official') AND p.member_id = x.member_id
       AND daterange(p.valid_from, p.valid_to) && daterange(x.valid_from, x.valid_to)
       AND e.on_date IS NOT NULL
$$;

-- Folds a unit's rows of one month into one per key (SKIP LOCKED, as
-- odb_party_counts_fold: the sum is unchanged, nobody waits).
CREATE FUNCTION odb_party_count_changes_fold(unit ltree, in_month date) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    WITH taken AS (
        SELECT id FROM party_member_count_changes WHERE node = unit AND month = in_month
           FOR UPDATE SKIP LOCKED
    ), gone AS (
        DELETE FROM party_member_count_changes c USING taken WHERE c.id = taken.id
        RETURNING c.dimension, c.key, c.n
    )
    INSERT INTO party_member_count_changes (node, month, dimension, key, n)
    SELECT unit, in_month, dimension, key, sum(n) FROM gone GROUP BY dimension, key HAVING sum(n) <> 0
$$;

-- Every change counted again from the periods and exemptions, in one
-- transaction (the migration, and the generator, which writes with the
-- triggers off).
CREATE FUNCTION odb_party_count_changes_recount() RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public, pg_temp SET work_mem = '256MB' AS $$
    DELETE FROM party_member_count_changes;
    INSERT INTO party_member_count_changes (node, month, dimension, key, n)
    WITH by_unit AS (
        -- each counted period, +1 in the month of its first day and -1 in that
        -- of its end, for the unit at depth 2 it lies under: one pass, a
        -- grouping set per dimension
        SELECT node, month,
               CASE WHEN GROUPING(status) = 0 THEN 'status' WHEN GROUPING(sex) = 0 THEN 'sex'
                    WHEN GROUPING(ethnic) = 0 THEN 'ethnic_group' WHEN GROUPING(religion) = 0 THEN 'religion'
                    WHEN GROUPING(born) = 0 THEN 'birth_year' ELSE 'admission_year' END AS dimension,
               coalesce(status, sex, ethnic, religion, born, admitted) AS key, sum(n)::bigint AS n
          FROM (SELECT subpath(p.path, 0, least(nlevel(p.path), 2)) AS node, e.month, e.n, p.status, m.sex,
                       coalesce(m.ethnic_group_code, 'unknown') AS ethnic,
                       coalesce(m.religion_code, 'unknown') AS religion,
                       extract(year FROM m.birth_date)::int::text AS born,
                       extract(year FROM m.admitted_on)::int::text AS admitted
                  FROM party_member_periods p JOIN party_members m ON m.id = p.member_id,
                       LATERAL (VALUES (date_trunc('month', p.valid_from)::date, 1),
                                       (date_trunc('month', p.valid_to)::date, -1)) AS e(month, n)
                 WHERE p.status IN ('probationary', 'official') AND e.month IS NOT NULL) c
         GROUP BY GROUPING SETS ((node, month, status), (node, month, sex), (node, month, ethnic),
                                 (node, month, religion), (node, month, born), (node, month, admitted))
    )
    SELECT node, month, dimension, key, sum(n)::bigint FROM (
        SELECT node, month, dimension, key, n FROM by_unit
        UNION ALL
        -- the Central Committee: the sum of the units under it
        SELECT subpath(node, 0, 1), month, dimension, key, n FROM by_unit WHERE nlevel(node) = 2
        UNION ALL
        SELECT c.node, date_trunc('month', c.on_date)::date, c.dimension, c.key, c.n
          FROM party_exemptions x JOIN party_member_periods p ON p.member_id = x.member_id,
               LATERAL odb_party_exemption_changes(p, x) c) a
     GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0;
$$;
REVOKE ALL ON FUNCTION odb_party_count_changes_fold(ltree, date) FROM PUBLIC;
REVOKE ALL ON FUNCTION odb_party_count_changes_recount() FROM PUBLIC;
SELECT odb_party_count_changes_recount();

-- The months a statement added to that gathered many rows are folded.
CREATE FUNCTION party_member_count_changes_fold() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    unit ltree;
    in_month date;
BEGIN
    FOR unit, in_month IN SELECT DISTINCT a.node, a.month FROM added a LOOP
        IF (SELECT count(*) FROM party_member_count_changes
             WHERE node = unit AND month = in_month) > 1000 THEN
            PERFORM odb_party_count_changes_fold(unit, in_month);
        END IF;
    END LOOP;
    RETURN NULL;
END;
$$;
CREATE TRIGGER party_member_count_changes_fold AFTER INSERT ON party_member_count_changes
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION party_member_count_changes_fold();

-- A period added, changed or removed: what it changes now less what it
-- changed (under the member's lock, so that a concurrent exemption of the
-- member counts the period once). OLD is NULL on an insert and NEW on a
-- delete: a NULL period changes nothing.
CREATE FUNCTION party_member_periods_count_changes() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    m party_members;
BEGIN
    SELECT * INTO m FROM party_members WHERE id = coalesce(NEW.member_id, OLD.member_id) FOR UPDATE;
    INSERT INTO party_member_count_changes (node, month, dimension, key, n)
    SELECT c.node, date_trunc('month', c.on_date)::date, c.dimension, c.key, sum(c.n)
      FROM (SELECT o.node, o.on_date, o.dimension, o.key, -o.n AS n FROM odb_party_period_changes(OLD, m) o
            UNION ALL
            SELECT w.* FROM odb_party_period_changes(NEW, m) w
            UNION ALL
            SELECT o.node, o.on_date, o.dimension, o.key, -o.n FROM party_exemptions x,
                   LATERAL odb_party_exemption_changes(OLD, x) o WHERE x.member_id = m.id
            UNION ALL
            SELECT w.* FROM party_exemptions x,
                   LATERAL odb_party_exemption_changes(NEW, x) w WHERE x.member_id = m.id) c
     GROUP BY 1, 2, 3, 4 HAVING sum(c.n) <> 0;
    RETURN NULL;
END;
$$;
CREATE TRIGGER party_member_periods_count_changes AFTER INSERT OR UPDATE OR DELETE
    ON party_member_periods FOR EACH ROW EXECUTE FUNCTION party_member_periods_count_changes();

-- A member's counted attributes corrected: every period of theirs counted
-- again with them (status and unit come from the periods).
CREATE FUNCTION party_members_count_changes() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO party_member_count_changes (node, month, dimension, key, n)
    SELECT c.node, date_trunc('month', c.on_date)::date, c.dimension, c.key, sum(c.n)
      FROM party_member_periods p,
           LATERAL (SELECT o.node, o.on_date, o.dimension, o.key, -o.n AS n
                      FROM odb_party_period_changes(p, OLD) o
                    UNION ALL
                    SELECT w.* FROM odb_party_period_changes(p, NEW) w) c
     WHERE p.member_id = NEW.id
     GROUP BY 1, 2, 3, 4 HAVING sum(c.n) <> 0;
    RETURN NULL;
END;
$$;
CREATE TRIGGER party_members_count_changes AFTER UPDATE ON party_members
    FOR EACH ROW WHEN ((OLD.sex, OLD.ethnic_group_code, OLD.religion_code, OLD.birth_date, OLD.admitted_on)
                       IS DISTINCT FROM (NEW.sex, NEW.ethnic_group_code, NEW.religion_code,
                                         NEW.birth_date, NEW.admitted_on))
    EXECUTE FUNCTION party_members_count_changes();

-- An exemption added, changed or removed, against each period of the member.
CREATE FUNCTION party_exemptions_count_changes() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    who uuid := coalesce(NEW.member_id, OLD.member_id);
BEGIN
    PERFORM 1 FROM party_members WHERE id = who FOR UPDATE;
    INSERT INTO party_member_count_changes (node, month, dimension, key, n)
    SELECT c.node, date_trunc('month', c.on_date)::date, c.dimension, c.key, sum(c.n)
      FROM party_member_periods p,
           LATERAL (SELECT o.node, o.on_date, o.dimension, o.key, -o.n AS n
                      FROM odb_party_exemption_changes(p, OLD) o
                    UNION ALL
                    SELECT w.* FROM odb_party_exemption_changes(p, NEW) w) c
     WHERE p.member_id = who
     GROUP BY 1, 2, 3, 4 HAVING sum(c.n) <> 0;
    RETURN NULL;
END;
$$;
CREATE TRIGGER party_exemptions_count_changes AFTER INSERT OR UPDATE OR DELETE ON party_exemptions
    FOR EACH ROW EXECUTE FUNCTION party_exemptions_count_changes();

-- A committee reads the changes of the units it sees; only the triggers write them.
ALTER TABLE party_member_count_changes ENABLE ROW LEVEL SECURITY;
ALTER TABLE party_member_count_changes FORCE ROW LEVEL SECURITY;
CREATE POLICY party_member_count_changes_read ON party_member_count_changes FOR SELECT TO odb_app
    USING (node <@ ANY ((SELECT odb_party_read_scope())));
GRANT SELECT ON party_member_count_changes TO odb_app;

-- Statistics counted member by member, from the member rows (today) or the
-- periods (another day): a unit below depth 2, and the reference the tests
-- compare the kept counts with. Called by odb_party_statistics, which
-- checks the scope.
CREATE FUNCTION odb_party_statistics_counted(root ltree, on_date date, today boolean)
    RETURNS TABLE (dimension text, key text, n bigint)
    LANGUAGE plpgsql STABLE SET search_path = public, pg_temp AS $$
#variable_conflict use_column
DECLARE
    this_year integer := extract(year FROM on_date)::int;
BEGIN
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
REVOKE ALL ON FUNCTION odb_party_statistics_counted(ltree, date, boolean) FROM PUBLIC;

-- Statistics of a subtree on a date. For a unit down to depth 2: today from
-- the kept counts, another day from the kept changes of the months before
-- and the periods of its own month; a deeper unit counted member by member.
CREATE OR REPLACE FUNCTION odb_party_statistics(root ltree, on_date date, today boolean)
    RETURNS TABLE (dimension text, key text, n bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    -- a few thousand rows: compiling the plan (JIT) would cost more than it saves
    SET jit = off AS $$
#variable_conflict use_column
DECLARE
    this_year integer := extract(year FROM on_date)::int;
    -- on_date, named apart from the changes' column of the same name
    as_of date := on_date;
    month_start date := date_trunc('month', on_date)::date;
BEGIN
    IF NOT coalesce(root <@ ANY (odb_party_read_scope()), false) THEN
        RAISE EXCEPTION 'the subtree lies outside the party read scope' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF nlevel(root) > 2 THEN
        RETURN QUERY SELECT s.dimension, s.key, s.n FROM odb_party_statistics_counted(root, as_of, today) s;
        RETURN;
    END IF;
    RETURN QUERY
    WITH kept AS (
        SELECT c.dimension, c.key, sum(c.n)::bigint AS n FROM (
            SELECT c.dimension, c.key, c.n FROM party_member_counts c WHERE today AND c.node = root
            UNION ALL
            SELECT c.dimension, c.key, c.n FROM party_member_count_changes c
             WHERE NOT today AND c.node = root AND c.month < month_start
            UNION ALL
            -- the changes of on_date's month up to on_date
            SELECT c.dimension, c.key, c.n
              FROM party_member_periods p JOIN party_members m ON m.id = p.member_id,
                   LATERAL odb_party_period_changes(p, m) c
             WHERE NOT today AND p.path <@ root
               AND (p.valid_from BETWEEN month_start AND as_of OR p.valid_to BETWEEN month_start AND as_of)
               AND c.node = root AND c.on_date BETWEEN month_start AND as_of
            UNION ALL
            -- the exempted: a shared stretch starts or ends when its period
            -- or its exemption does; each pair once (by its period first)
            SELECT c.dimension, c.key, c.n
              FROM party_member_periods p JOIN party_exemptions x ON x.member_id = p.member_id,
                   LATERAL odb_party_exemption_changes(p, x) c
             WHERE NOT today AND p.path <@ root
               AND (p.valid_from BETWEEN month_start AND as_of OR p.valid_to BETWEEN month_start AND as_of)
               AND c.node = root AND c.on_date BETWEEN month_start AND as_of
            UNION ALL
            SELECT c.dimension, c.key, c.n
              FROM party_exemptions x JOIN party_member_periods p ON p.member_id = x.member_id,
                   LATERAL odb_party_exemption_changes(p, x) c
             WHERE NOT today AND p.path <@ root
               AND (x.valid_from BETWEEN month_start AND as_of OR x.valid_to BETWEEN month_start AND as_of)
               AND NOT coalesce(p.valid_from BETWEEN month_start AND as_of
                                OR p.valid_to BETWEEN month_start AND as_of, false)
               AND c.node = root AND c.on_date BETWEEN month_start AND as_of) c
         GROUP BY c.dimension, c.key HAVING sum(c.n) <> 0)
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
END;
$$;
