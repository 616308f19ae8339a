-- Kept counts for today's Table 27 statistics (decision 0035): the active
-- profiles per using unit and coded value, kept by statement-level
-- triggers on officials and official_career (transition tables, so the
-- generator's COPY batches are counted too). Today's tables sum a
-- subtree's units instead of reading every profile's index entry; a past
-- date (as_of) keeps the scan of migration 000023.

-- Per unit, dimension and code (NULL codes kept as 'unknown', as the scan
-- answers them), split by sex and ethnic minority for the two side counts.
-- No CHECK on n: a change is upserted as a signed delta, and a CHECK is
-- tested on the delta row before ON CONFLICT finds the row it adds to.
CREATE TABLE official_counts (
    organization_id uuid NOT NULL REFERENCES organizations (id),
    dimension text NOT NULL,
    key text NOT NULL,
    female boolean NOT NULL,
    minority boolean NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (organization_id, dimension, key, female, minority)
);
-- Per unit and birth date: age bands are exact ages on the day, so the
-- profiles born in a year that straddles a band's edge are told apart by
-- date (the other years are read from official_counts' 'birth_year').
CREATE TABLE official_birth_counts (
    born date NOT NULL,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    female boolean NOT NULL,
    minority boolean NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (born, organization_id, female, minority)
);
-- Read only by the owner's functions; odb_app writes them only through
-- the triggers, which run as the owner.
REVOKE ALL ON official_counts, official_birth_counts FROM PUBLIC;

-- The statement adding a change to both tables. `source` yields rows of
-- (organization_id, status, classification, rank_code, degree_code,
-- political_theory_code, sex, ethnic_group_code, birth_date,
-- academic_title_code, education_level_code, sign): each profile as it was
-- (sign -1) and as it is (+1); only active ones count, and what did not
-- change cancels out.
CREATE FUNCTION odb_official_counts_statement(source text) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
SELECT format(
    'WITH r AS (SELECT organization_id, sex = ''female'' AS female, '
    || 'ethnic_group_code IS DISTINCT FROM ''01'' AS minority, sign, classification, rank_code, '
    || 'degree_code, political_theory_code, sex, ethnic_group_code, birth_date, '
    || 'academic_title_code, education_level_code FROM (%s) s WHERE status = ''active''), '
    || 'kept AS (INSERT INTO official_counts AS c (organization_id, dimension, key, female, minority, n) '
    || 'SELECT r.organization_id, d.dimension, coalesce(d.key, ''unknown''), r.female, r.minority, sum(r.sign) '
    || 'FROM r CROSS JOIN LATERAL (VALUES (''classification'', r.classification), (''rank'', r.rank_code), '
    || '(''degree'', r.degree_code), (''political_theory'', r.political_theory_code), (''sex'', r.sex), '
    || '(''ethnic_group'', r.ethnic_group_code), (''academic_title'', r.academic_title_code), '
    || '(''education_level'', r.education_level_code), '
    || '(''birth_year'', extract(year FROM r.birth_date)::int::text)) d (dimension, key) '
    || 'GROUP BY 1, 2, 3, 4, 5 HAVING sum(r.sign) <> 0 ORDER BY 1, 2, 3, 4, 5 '
    || 'ON CONFLICT (organization_id, dimension, key, female, minority) DO UPDATE SET n = c.n + excluded.n) '
    || 'INSERT INTO official_birth_counts AS b (born, organization_id, female, minority, n) '
    || 'SELECT birth_date, organization_id, female, minority, sum(sign) FROM r '
    || 'GROUP BY 1, 2, 3, 4 HAVING sum(sign) <> 0 ORDER BY 1, 2, 3, 4 '
    || 'ON CONFLICT (born, organization_id, female, minority) DO UPDATE SET n = b.n + excluded.n',
    source)
$$;

-- A profile's columns the counts read, with its career's two codes.
CREATE FUNCTION odb_official_counted_columns(official text, career text) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
SELECT format('%1$s.using_organization_id AS organization_id, %1$s.status, %1$s.classification, '
    || '%1$s.rank_code, %1$s.degree_code, %1$s.political_theory_code, %1$s.sex, '
    || '%1$s.ethnic_group_code, %1$s.birth_date, %2$s.academic_title_code, %2$s.education_level_code',
    official, career)
$$;

-- Profiles added or changed: the career is read as it stands (a new
-- profile's career comes in the next statement and is counted then).
CREATE FUNCTION odb_officials_counted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    cols_new CONSTANT text := odb_official_counted_columns('o', 'k');
BEGIN
    IF TG_OP = 'INSERT' THEN
        EXECUTE odb_official_counts_statement(format(
            'SELECT %s, 1 AS sign FROM new_rows o LEFT JOIN official_career k ON k.official_id = o.id',
            cols_new));
    ELSE
        EXECUTE odb_official_counts_statement(format(
            'SELECT %1$s, -1 AS sign FROM old_rows o LEFT JOIN official_career k ON k.official_id = o.id '
            || 'UNION ALL SELECT %1$s, 1 FROM new_rows o LEFT JOIN official_career k ON k.official_id = o.id',
            cols_new));
    END IF;
    RETURN NULL;
END;
$$;

-- A profile removed: counted out row by row before its career goes with it
-- (ON DELETE CASCADE), so its career's codes are still there to subtract.
CREATE FUNCTION odb_official_uncounted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    EXECUTE odb_official_counts_statement(format(
        'SELECT %s, -1 AS sign FROM (SELECT ($1).*) o LEFT JOIN official_career k ON k.official_id = o.id',
        odb_official_counted_columns('o', 'k'))) USING OLD;
    RETURN OLD;
END;
$$;

-- A career added, changed or removed: its profile moves from the old codes
-- (none before an insert) to the new ones (none after a delete). A career
-- removed with its profile finds no profile here: counted out above.
CREATE FUNCTION odb_careers_counted() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    before_rows CONSTANT text := CASE WHEN TG_OP = 'INSERT' THEN
        format('SELECT %s, -1 AS sign FROM new_rows n JOIN officials o ON o.id = n.official_id '
               || 'CROSS JOIN (SELECT NULL::text AS academic_title_code, NULL::text AS education_level_code) k',
               odb_official_counted_columns('o', 'k'))
        ELSE format('SELECT %s, -1 AS sign FROM old_rows k JOIN officials o ON o.id = k.official_id',
                    odb_official_counted_columns('o', 'k')) END;
    after_rows CONSTANT text := CASE WHEN TG_OP = 'DELETE' THEN
        format('SELECT %s, 1 FROM old_rows n JOIN officials o ON o.id = n.official_id '
               || 'CROSS JOIN (SELECT NULL::text AS academic_title_code, NULL::text AS education_level_code) k',
               odb_official_counted_columns('o', 'k'))
        ELSE format('SELECT %s, 1 FROM new_rows k JOIN officials o ON o.id = k.official_id',
                    odb_official_counted_columns('o', 'k')) END;
BEGIN
    EXECUTE odb_official_counts_statement(before_rows || ' UNION ALL ' || after_rows);
    RETURN NULL;
END;
$$;

CREATE TRIGGER officials_counted_insert AFTER INSERT ON officials
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION odb_officials_counted();
CREATE TRIGGER officials_counted_update AFTER UPDATE ON officials
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION odb_officials_counted();
CREATE TRIGGER officials_counted_delete BEFORE DELETE ON officials
    FOR EACH ROW EXECUTE FUNCTION odb_official_uncounted();
CREATE TRIGGER careers_counted_insert AFTER INSERT ON official_career
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION odb_careers_counted();
CREATE TRIGGER careers_counted_update AFTER UPDATE ON official_career
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION odb_careers_counted();
CREATE TRIGGER careers_counted_delete AFTER DELETE ON official_career
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION odb_careers_counted();

-- The profiles already there.
DO $$
BEGIN
    EXECUTE odb_official_counts_statement(format(
        'SELECT %s, 1 AS sign FROM officials o LEFT JOIN official_career k ON k.official_id = o.id',
        odb_official_counted_columns('o', 'k')));
END;
$$;

-- Today's counts of the subtree from the kept counts, in the shape of
-- odb_official_statistics (called by it, after its scope check). The total
-- is the sum over classifications (every profile has one); an age band is
-- the year of birth's unless the year straddles a band's edge (an age of
-- 30, 40, 50 or 60 reached this year), where the birth date decides.
CREATE FUNCTION odb_official_kept_statistics(root ltree, on_date date, dims text[])
    RETURNS TABLE (dimension text, key text, n bigint, female bigint, ethnic_minority bigint)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
WITH units AS (SELECT id FROM organizations WHERE path <@ root),
c AS (SELECT c.dimension, c.key, c.female, c.minority, c.n
        FROM official_counts c JOIN units u ON u.id = c.organization_id
       WHERE c.dimension = ANY (dims || ARRAY['classification', 'birth_year'])),
ages AS (
    SELECT extract(year FROM on_date)::int - c.key::int AS age, c.female, c.minority, c.n
      FROM c WHERE c.dimension = 'birth_year'
       AND extract(year FROM on_date)::int - c.key::int NOT IN (30, 40, 50, 60)
    UNION ALL
    -- four ranges written out: a join to the edge years is planned as a
    -- scan of every birth date (ten times slower at 500,000 profiles)
    SELECT extract(year FROM age(on_date, b.born))::int, b.female, b.minority, b.n
      FROM official_birth_counts b JOIN units u ON u.id = b.organization_id
     WHERE 'age_band' = ANY (dims)
       AND (b.born BETWEEN make_date(extract(year FROM on_date)::int - 30, 1, 1)
                       AND make_date(extract(year FROM on_date)::int - 30, 12, 31)
         OR b.born BETWEEN make_date(extract(year FROM on_date)::int - 40, 1, 1)
                       AND make_date(extract(year FROM on_date)::int - 40, 12, 31)
         OR b.born BETWEEN make_date(extract(year FROM on_date)::int - 50, 1, 1)
                       AND make_date(extract(year FROM on_date)::int - 50, 12, 31)
         OR b.born BETWEEN make_date(extract(year FROM on_date)::int - 60, 1, 1)
                       AND make_date(extract(year FROM on_date)::int - 60, 12, 31)))
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
REVOKE ALL ON FUNCTION odb_official_kept_statistics(ltree, date, text[]) FROM PUBLIC;

CREATE OR REPLACE FUNCTION odb_official_statistics(root ltree, on_date date, today boolean, dims text[])
    RETURNS TABLE (dimension text, key text, n bigint, female bigint, ethnic_minority bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    expressions CONSTANT jsonb := jsonb_build_object(
        'classification', 'o.classification', 'rank', 'o.rank_code', 'degree', 'o.degree_code',
        'political_theory', 'o.political_theory_code', 'sex', 'o.sex',
        'ethnic_group', 'o.ethnic_group_code', 'academic_title', 'k.academic_title_code',
        'education_level', 'k.education_level_code',
        'age_band', 'CASE width_bucket(extract(year FROM age($2, o.birth_date)), '
                    || 'ARRAY[30, 40, 50, 60]::numeric[]) WHEN 0 THEN ''under_30'' '
                    || 'WHEN 1 THEN ''30_39'' WHEN 2 THEN ''40_49'' WHEN 3 THEN ''50_59'' '
                    || 'ELSE ''60_and_over'' END');
    columns text := '';
    sets text := '';
    dimension_case text := '';
    key_case text := '';
    career text := '';
    d text;
BEGIN
    IF NOT coalesce(root <@ ANY (odb_read_scope()), false) THEN
        RAISE EXCEPTION 'the subtree lies outside the read scope' USING ERRCODE = 'insufficient_privilege';
    END IF;
    FOREACH d IN ARRAY dims LOOP
        IF NOT expressions ? d THEN
            RAISE EXCEPTION 'no dimension %', d USING ERRCODE = 'invalid_parameter_value';
        END IF;
        columns := columns || format('%s AS %I, ', expressions ->> d, 'd_' || d);
        sets := sets || format('(%I), ', 'd_' || d);
        dimension_case := dimension_case || format('WHEN GROUPING(%I) = 0 THEN %L ', 'd_' || d, d);
        key_case := key_case || format('WHEN GROUPING(%I) = 0 THEN %I ', 'd_' || d, 'd_' || d);
        IF d IN ('academic_title', 'education_level') THEN
            career := 'LEFT JOIN official_career k ON k.official_id = o.id';
        END IF;
    END LOOP;
    IF today THEN
        RETURN QUERY SELECT * FROM odb_official_kept_statistics(root, on_date, dims);
        RETURN;
    END IF;
    -- descendants of root sort between root and root.zzzz (labels are hex)
    RETURN QUERY EXECUTE format(
        'SELECT CASE %s ELSE ''total'' END, coalesce(CASE %s ELSE ''all'' END, ''unknown''), '
        || 'count(*), count(*) FILTER (WHERE is_female), count(*) FILTER (WHERE is_minority) '
        || 'FROM (SELECT %s o.sex = ''female'' AS is_female, '
        || 'o.ethnic_group_code IS DISTINCT FROM ''01'' AS is_minority '
        || 'FROM officials o %s WHERE o.using_path >= $1 AND o.using_path < $1 || ''zzzz'' AND %s) s '
        || 'GROUP BY GROUPING SETS (%s ())',
        dimension_case, key_case, columns, career,
        CASE WHEN today THEN 'o.status = ''active'''
             ELSE 'o.status IN (''active'', ''retired'', ''deceased'') '
                  || 'AND (o.retired_on IS NULL OR o.retired_on > $2) '
                  || 'AND (o.died_on IS NULL OR o.died_on > $2) AND o.birth_date <= $2' END,
        sets)
    USING root, on_date;
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
    SELECT o.using_organization_id, o.classification, count(*)
      FROM officials o
     WHERE o.using_path >= root AND o.using_path < root || 'zzzz'
       AND CASE WHEN today THEN o.status = 'active'
                ELSE o.status IN ('active', 'retired', 'deceased')
                     AND (o.retired_on IS NULL OR o.retired_on > on_date)
                     AND (o.died_on IS NULL OR o.died_on > on_date)
                     AND o.birth_date <= on_date END
     GROUP BY o.using_organization_id, o.classification;
END;
$$;
