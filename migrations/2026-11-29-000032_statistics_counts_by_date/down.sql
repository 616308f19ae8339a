-- Back to today's counts only, a past date scanning the profiles (migration
-- 000030's functions); today's counts stay as they are.
DROP FUNCTION odb_official_kept_statistics(ltree, date, boolean, text[]);
DROP FUNCTION odb_official_dated_cells(ltree, date, text[]);
CREATE OR REPLACE FUNCTION odb_official_counts_statement(source text) RETURNS text
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
CREATE OR REPLACE FUNCTION odb_official_counted_columns(official text, career text) RETURNS text
    LANGUAGE sql IMMUTABLE AS $$
SELECT format('%1$s.using_organization_id AS organization_id, %1$s.status, %1$s.classification, '
    || '%1$s.rank_code, %1$s.degree_code, %1$s.political_theory_code, %1$s.sex, '
    || '%1$s.ethnic_group_code, %1$s.birth_date, %2$s.academic_title_code, %2$s.education_level_code',
    official, career)
$$;
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
DROP INDEX officials_born, officials_ended;
ALTER TABLE official_birth_counts DROP CONSTRAINT official_birth_counts_pkey,
    ADD PRIMARY KEY (born, organization_id, female, minority);
DROP TABLE official_count_changes, official_birth_ends;
