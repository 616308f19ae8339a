-- Back to counting every profile (migration 000023's functions).
DROP TRIGGER officials_counted_insert ON officials;
DROP TRIGGER officials_counted_update ON officials;
DROP TRIGGER officials_counted_delete ON officials;
DROP TRIGGER careers_counted_insert ON official_career;
DROP TRIGGER careers_counted_update ON official_career;
DROP TRIGGER careers_counted_delete ON official_career;
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

-- The profiles counted on a date per unit and classification: the headcount
-- beside each staffing quota. Same rule and scope check as above.
CREATE OR REPLACE FUNCTION odb_official_headcounts(root ltree, on_date date, today boolean)
    RETURNS TABLE (organization_id uuid, classification text, n bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
#variable_conflict use_column
BEGIN
    IF NOT coalesce(root <@ ANY (odb_read_scope()), false) THEN
        RAISE EXCEPTION 'the subtree lies outside the read scope' USING ERRCODE = 'insufficient_privilege';
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
DROP FUNCTION odb_official_kept_statistics(ltree, date, text[]);
DROP FUNCTION odb_officials_counted();
DROP FUNCTION odb_official_uncounted();
DROP FUNCTION odb_careers_counted();
DROP FUNCTION odb_official_counted_columns(text, text);
DROP FUNCTION odb_official_counts_statement(text);
DROP TABLE official_birth_counts;
DROP TABLE official_counts;
