-- Table 27 statistics of a past date from kept changes by month (decision
-- 0038). A past date counts a profile from its birth date until its
-- retirement or death (the earlier; never if that comes first), with the
-- unit and codes it holds now, as the scan of migration 000023 did. The
-- same statement triggers that keep today's counts (migration 000030) keep,
-- per unit, dimension and code, the changes of those counts by the month
-- they take effect in, and the profiles by birth date and end date for the
-- age bands. A date's figures are the profiles that never end, less the
-- changes of the months after its own, less those of its own month after
-- it (read from the profiles: a month's births and ends).

-- Per unit, month (its first day), dimension and code: +1 from a birth,
-- -1 from an end; 'infinity' holds the profiles with no end. The count on
-- the last day of month M is the 'infinity' rows less the rows after M.
-- No CHECK on n (see migration 000030: deltas are upserted).
CREATE TABLE official_count_changes (
    organization_id uuid NOT NULL REFERENCES organizations (id),
    month date NOT NULL CHECK (month = 'infinity' OR extract(day FROM month) = 1),
    dimension text NOT NULL,
    key text NOT NULL,
    female boolean NOT NULL,
    minority boolean NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (organization_id, dimension, month, key, female, minority)
);
-- Per birth date and end ('infinity': none): the people of a year that
-- straddles a band's edge on the date asked are told apart by birth date.
CREATE TABLE official_birth_ends (
    born date NOT NULL,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    female boolean NOT NULL,
    minority boolean NOT NULL,
    ended date NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (organization_id, born, female, minority, ended) INCLUDE (n)
);
REVOKE ALL ON official_count_changes, official_birth_ends FROM PUBLIC;
-- Both birth tables are read per unit and edge year (an index range each,
-- index-only): today's one keyed by unit first too.
ALTER TABLE official_birth_counts DROP CONSTRAINT official_birth_counts_pkey,
    ADD PRIMARY KEY (organization_id, born, female, minority) INCLUDE (n);

-- The changes of the date's own month after it are read from the profiles.
CREATE INDEX officials_born ON officials (birth_date);
CREATE INDEX officials_ended ON officials ((least(retired_on, died_on)));

-- A profile's columns the counts read, with its career's two codes, and
-- (new) the two dates that end it.
CREATE OR REPLACE FUNCTION odb_official_counted_columns(official text, career text) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
SELECT format('%1$s.using_organization_id AS organization_id, %1$s.status, %1$s.classification, '
    || '%1$s.rank_code, %1$s.degree_code, %1$s.political_theory_code, %1$s.sex, '
    || '%1$s.ethnic_group_code, %1$s.birth_date, %2$s.academic_title_code, %2$s.education_level_code, '
    || '%1$s.retired_on, %1$s.died_on',
    official, career)
$$;

-- One statement adding a change to the four tables: today's counts (the
-- active profiles, as in migration 000030) and the dated ones (every
-- profile a past date may count: active, retired or deceased, whose end
-- does not come before its birth). Each profile comes as it was (sign -1)
-- and as it is (+1); what did not change cancels out.
CREATE OR REPLACE FUNCTION odb_official_counts_statement(source text) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
SELECT format(
    'WITH s AS (SELECT organization_id, sex = ''female'' AS female, '
    || 'ethnic_group_code IS DISTINCT FROM ''01'' AS minority, sign, status, birth_date, '
    || 'least(retired_on, died_on) AS ended, classification, rank_code, degree_code, '
    || 'political_theory_code, sex, ethnic_group_code, academic_title_code, education_level_code '
    || 'FROM (%s) s WHERE status IN (''active'', ''retired'', ''deceased'')), '
    || 'v AS (SELECT s.organization_id, s.female, s.minority, s.sign, s.status, s.birth_date, s.ended, '
    || 'd.dimension, coalesce(d.key, ''unknown'') AS key FROM s CROSS JOIN LATERAL (VALUES '
    || '(''classification'', s.classification), (''rank'', s.rank_code), '
    || '(''degree'', s.degree_code), (''political_theory'', s.political_theory_code), (''sex'', s.sex), '
    || '(''ethnic_group'', s.ethnic_group_code), (''academic_title'', s.academic_title_code), '
    || '(''education_level'', s.education_level_code), '
    || '(''birth_year'', extract(year FROM s.birth_date)::int::text)) d (dimension, key)), '
    || 'kept AS (INSERT INTO official_counts AS c (organization_id, dimension, key, female, minority, n) '
    || 'SELECT organization_id, dimension, key, female, minority, sum(sign) FROM v WHERE status = ''active'' '
    || 'GROUP BY 1, 2, 3, 4, 5 HAVING sum(sign) <> 0 ORDER BY 1, 2, 3, 4, 5 '
    || 'ON CONFLICT (organization_id, dimension, key, female, minority) DO UPDATE SET n = c.n + excluded.n), '
    || 'born AS (INSERT INTO official_birth_counts AS b (born, organization_id, female, minority, n) '
    || 'SELECT birth_date, organization_id, female, minority, sum(sign) FROM s WHERE status = ''active'' '
    || 'GROUP BY 1, 2, 3, 4 HAVING sum(sign) <> 0 ORDER BY 1, 2, 3, 4 '
    || 'ON CONFLICT (born, organization_id, female, minority) DO UPDATE SET n = b.n + excluded.n), '
    || 'dated AS (INSERT INTO official_count_changes AS c '
    || '(organization_id, month, dimension, key, female, minority, n) '
    || 'SELECT v.organization_id, e.month, v.dimension, v.key, v.female, v.minority, sum(v.sign * e.step) '
    || 'FROM v CROSS JOIN LATERAL (VALUES '
    || '(v.birth_date - extract(day FROM v.birth_date)::int + 1, 1), '
    || '(coalesce(v.ended - extract(day FROM v.ended)::int + 1, ''infinity''), '
    || 'CASE WHEN v.ended IS NULL THEN 1 ELSE -1 END)) e (month, step) '
    || 'WHERE v.ended IS NULL OR v.ended > v.birth_date '
    || 'GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(v.sign * e.step) <> 0 ORDER BY 1, 2, 3, 4, 5, 6 '
    || 'ON CONFLICT (organization_id, month, dimension, key, female, minority) '
    || 'DO UPDATE SET n = c.n + excluded.n) '
    || 'INSERT INTO official_birth_ends AS b (born, organization_id, female, minority, ended, n) '
    || 'SELECT birth_date, organization_id, female, minority, coalesce(ended, ''infinity''), sum(sign) '
    || 'FROM s WHERE ended IS NULL OR ended > birth_date '
    || 'GROUP BY 1, 2, 3, 4, 5 HAVING sum(sign) <> 0 ORDER BY 1, 2, 3, 4, 5 '
    || 'ON CONFLICT (born, organization_id, female, minority, ended) DO UPDATE SET n = b.n + excluded.n',
    source)
$$;

-- Every profile counted again, today's counts included (one statement).
TRUNCATE official_counts, official_birth_counts;
DO $$
BEGIN
    EXECUTE odb_official_counts_statement(format(
        'SELECT %s, 1 AS sign FROM officials o LEFT JOIN official_career k ON k.official_id = o.id',
        odb_official_counted_columns('o', 'k')));
END;
$$;

-- The subtree's cells on a past date, per unit (not yet summed): the
-- 'infinity' rows less the months after the date's own, less its own
-- month's changes after the date, read from the profiles born or ended
-- then (indexes officials_born and officials_ended; found first, then
-- kept to the subtree's units: a month's worth of profiles at most).
CREATE FUNCTION odb_official_dated_cells(root ltree, on_date date, dims text[])
    RETURNS TABLE (organization_id uuid, dimension text, key text, female boolean, minority boolean,
                   n bigint)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET jit = off AS $$
WITH units AS (SELECT id FROM organizations WHERE path <@ root),
month AS (SELECT (on_date - extract(day FROM on_date)::int + 1 + interval '1 month')::date AS next),
late AS MATERIALIZED (
    SELECT o.id, o.using_organization_id, o.classification, o.rank_code, o.degree_code,
           o.political_theory_code, o.sex, o.ethnic_group_code, o.birth_date,
           least(o.retired_on, o.died_on) AS ended
      FROM officials o
     WHERE (o.birth_date > on_date AND o.birth_date < (SELECT next FROM month)
            OR least(o.retired_on, o.died_on) > on_date
               AND least(o.retired_on, o.died_on) < (SELECT next FROM month))
       AND o.status IN ('active', 'retired', 'deceased')
       AND (least(o.retired_on, o.died_on) IS NULL OR least(o.retired_on, o.died_on) > o.birth_date))
SELECT c.organization_id, c.dimension, c.key, c.female, c.minority,
       CASE WHEN c.month = 'infinity' THEN c.n ELSE -c.n END
  FROM official_count_changes c JOIN units u ON u.id = c.organization_id
 WHERE c.month >= (SELECT next FROM month) AND c.dimension = ANY (dims)
UNION ALL
SELECT o.using_organization_id, d.dimension, coalesce(d.key, 'unknown'), o.sex = 'female',
       o.ethnic_group_code IS DISTINCT FROM '01', -e.step
  FROM late o JOIN units u ON u.id = o.using_organization_id
  LEFT JOIN official_career k ON k.official_id = o.id
  CROSS JOIN LATERAL (VALUES (o.birth_date, 1), (o.ended, -1)) e (effective, step)
  CROSS JOIN LATERAL (VALUES ('classification', o.classification), ('rank', o.rank_code),
      ('degree', o.degree_code), ('political_theory', o.political_theory_code), ('sex', o.sex),
      ('ethnic_group', o.ethnic_group_code), ('academic_title', k.academic_title_code),
      ('education_level', k.education_level_code),
      ('birth_year', extract(year FROM o.birth_date)::int::text)) d (dimension, key)
 WHERE e.effective > on_date AND e.effective < (SELECT next FROM month)
   AND d.dimension = ANY (dims)
$$;
REVOKE ALL ON FUNCTION odb_official_dated_cells(ltree, date, text[]) FROM PUBLIC;

-- The subtree's counts on a date, in the shape of odb_official_statistics
-- (called by it, after its scope check): today from today's counts, another
-- day from the dated ones. The total is the sum over classifications
-- (every profile has one); an age band is the year of birth's unless the
-- year straddles a band's edge (an age of 30, 40, 50 or 60 reached in the
-- date's year), where the birth date decides.
DROP FUNCTION odb_official_kept_statistics(ltree, date, text[]);
CREATE FUNCTION odb_official_kept_statistics(root ltree, on_date date, today boolean, dims text[])
    RETURNS TABLE (dimension text, key text, n bigint, female bigint, ethnic_minority bigint)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp SET jit = off AS $$
WITH units AS (SELECT id FROM organizations WHERE path <@ root),
-- the total is the classifications' sum; the years of birth only for ages
wanted AS (SELECT dims || ARRAY['classification']
                || CASE WHEN 'age_band' = ANY (dims) THEN ARRAY['birth_year'] ELSE '{}' END AS dims),
c AS (SELECT c.dimension, c.key, c.female, c.minority, c.n
        FROM official_counts c JOIN units u ON u.id = c.organization_id
       WHERE today AND c.dimension = ANY ((SELECT w.dims FROM wanted w)::text[])
      UNION ALL
      SELECT c.dimension, c.key, c.female, c.minority, c.n
        FROM odb_official_dated_cells(root, on_date, (SELECT w.dims FROM wanted w)) c
       WHERE NOT today),
-- the people of the four edge years, per unit and year (an index range
-- each): today's by birth date, or another day's still counted on it
edge AS (SELECT b.born, b.female, b.minority, b.n
           FROM units u
          CROSS JOIN unnest(ARRAY[30, 40, 50, 60]) a (age)
          CROSS JOIN LATERAL (
                SELECT k.born, k.female, k.minority, k.n FROM official_birth_counts k
                 WHERE today AND k.organization_id = u.id
                   AND k.born BETWEEN make_date(extract(year FROM on_date)::int - a.age, 1, 1)
                                  AND make_date(extract(year FROM on_date)::int - a.age, 12, 31)
                UNION ALL
                SELECT e.born, e.female, e.minority, e.n FROM official_birth_ends e
                 WHERE NOT today AND e.organization_id = u.id AND e.ended > on_date
                   AND e.born BETWEEN make_date(extract(year FROM on_date)::int - a.age, 1, 1)
                                  AND make_date(extract(year FROM on_date)::int - a.age, 12, 31)) b
          WHERE 'age_band' = ANY (dims)),
ages AS (
    SELECT extract(year FROM on_date)::int - c.key::int AS age, c.female, c.minority, c.n
      FROM c WHERE c.dimension = 'birth_year'
       AND extract(year FROM on_date)::int - c.key::int NOT IN (30, 40, 50, 60)
    UNION ALL
    -- summed by birth date first: one age computed per day, not per row
    SELECT extract(year FROM age(on_date, e.born))::int, e.female, e.minority, sum(e.n)
      FROM edge e GROUP BY e.born, e.female, e.minority)
SELECT c.dimension, c.key, sum(c.n)::bigint,
       coalesce(sum(c.n) FILTER (WHERE c.female), 0)::bigint,
       coalesce(sum(c.n) FILTER (WHERE c.minority), 0)::bigint
  FROM c WHERE c.dimension = ANY (dims) GROUP BY c.dimension, c.key HAVING sum(c.n) > 0
UNION ALL
SELECT 'age_band', CASE width_bucket(a.age, ARRAY[30, 40, 50, 60]) WHEN 0 THEN 'under_30'
           WHEN 1 THEN '30_39' WHEN 2 THEN '40_49' WHEN 3 THEN '50_59' ELSE '60_and_over' END,
       sum(a.n)::bigint, coalesce(sum(a.n) FILTER (WHERE a.female), 0)::bigint,
       coalesce(sum(a.n) FILTER (WHERE a.minority), 0)::bigint
  FROM ages a WHERE 'age_band' = ANY (dims) GROUP BY 2 HAVING sum(a.n) > 0
UNION ALL
SELECT 'total', 'all', coalesce(sum(c.n), 0)::bigint,
       coalesce(sum(c.n) FILTER (WHERE c.female), 0)::bigint,
       coalesce(sum(c.n) FILTER (WHERE c.minority), 0)::bigint
  FROM c WHERE c.dimension = 'classification'
$$;
REVOKE ALL ON FUNCTION odb_official_kept_statistics(ltree, date, boolean, text[]) FROM PUBLIC;

-- Every date from kept counts: the scan of migration 000023 is gone.
CREATE OR REPLACE FUNCTION odb_official_statistics(root ltree, on_date date, today boolean, dims text[])
    RETURNS TABLE (dimension text, key text, n bigint, female bigint, ethnic_minority bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    d text;
BEGIN
    IF NOT coalesce(root <@ ANY (odb_read_scope()), false) THEN
        RAISE EXCEPTION 'the subtree lies outside the read scope' USING ERRCODE = 'insufficient_privilege';
    END IF;
    FOREACH d IN ARRAY dims LOOP
        IF d NOT IN ('classification', 'rank', 'degree', 'political_theory', 'sex', 'ethnic_group',
                     'academic_title', 'education_level', 'age_band') THEN
            RAISE EXCEPTION 'no dimension %', d USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;
    RETURN QUERY SELECT * FROM odb_official_kept_statistics(root, on_date, today, dims);
END;
$$;

CREATE OR REPLACE FUNCTION odb_official_headcounts(root ltree, on_date date, today boolean)
    RETURNS TABLE (organization_id uuid, classification text, n bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
BEGIN
    IF NOT coalesce(root <@ ANY (odb_read_scope()), false) THEN
        RAISE EXCEPTION 'the subtree lies outside the read scope' USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF today THEN
        RETURN QUERY
        SELECT c.organization_id, c.key, sum(c.n)::bigint
          FROM official_counts c JOIN organizations u ON u.id = c.organization_id
         WHERE u.path <@ root AND c.dimension = 'classification'
         GROUP BY c.organization_id, c.key HAVING sum(c.n) > 0;
        RETURN;
    END IF;
    RETURN QUERY
    SELECT c.organization_id, c.key, sum(c.n)::bigint
      FROM odb_official_dated_cells(root, on_date, ARRAY['classification']) c
     GROUP BY c.organization_id, c.key HAVING sum(c.n) > 0;
END;
$$;
