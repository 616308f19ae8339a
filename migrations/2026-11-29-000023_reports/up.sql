-- Reports and imports (issue 15): the Table 27 statistics counted by
-- PostgreSQL over an index that holds every column they group by, and the
-- record of each import with its per-row report.

-- A subtree's profiles by where they work, with what the statistics count:
-- a province's tables are an index-only range scan (docs/performance.md).
CREATE INDEX officials_statistics ON officials (using_path, status)
    INCLUDE (using_organization_id, classification, sex, birth_date, ethnic_group_code, rank_code,
             political_theory_code, degree_code, retired_on, died_on);
-- The two coded items of Table 27 kept in official_career, read beside it
-- without visiting the table.
CREATE INDEX official_career_statistics ON official_career (official_id)
    INCLUDE (academic_title_code, education_level_code);

-- The profiles counted on a date: those working under root then. Today
-- that is the active ones; another day, those not yet retired, dead or
-- archived on it (organization, rank and codes as the profile holds them
-- now: the coded history is not kept). Counted by the owner (row-level
-- security would hide the index behind its per-row test: ltree operators
-- are not leak-proof) after checking root lies inside the caller's read
-- scope; a profile counted here works under root, so the caller reads it.
-- Only the dimensions asked for are grouped (one grouping set each, from
-- a fixed list), and official_career is read only for its two items.
CREATE FUNCTION odb_official_statistics(root ltree, on_date date, today boolean, dims text[])
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
CREATE FUNCTION odb_official_headcounts(root ltree, on_date date, today boolean)
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
REVOKE ALL ON FUNCTION odb_official_statistics(ltree, date, boolean, text[]),
    odb_official_headcounts(ltree, date, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION odb_official_statistics(ltree, date, boolean, text[]),
    odb_official_headcounts(ltree, date, boolean) TO odb_app;

-- An import: who sent which file, how it was mapped, and the per-row
-- report (errors and warnings with row and column). Read and written
-- within the scope of the organization it was made under.
CREATE TABLE imports (
    id uuid PRIMARY KEY,
    organization_id uuid NOT NULL REFERENCES organizations (id),
    path ltree NOT NULL,
    kind text NOT NULL CHECK (kind IN ('officials')),
    file_name text NOT NULL CHECK (length(file_name) BETWEEN 1 AND 200),
    file_sha256 bytea NOT NULL CHECK (length(file_sha256) = 32),
    mapping jsonb NOT NULL CHECK (jsonb_typeof(mapping) = 'array'),
    dry_run boolean NOT NULL,
    atomicity text NOT NULL CHECK (atomicity IN ('file', 'row')),
    status text NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    rows_total integer NOT NULL CHECK (rows_total >= 0),
    rows_done integer NOT NULL CHECK (rows_done BETWEEN 0 AND rows_total),
    created integer NOT NULL DEFAULT 0 CHECK (created >= 0),
    updated integer NOT NULL DEFAULT 0 CHECK (updated >= 0),
    rejected integer NOT NULL DEFAULT 0 CHECK (rejected >= 0),
    report jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(report) = 'array'),
    created_by uuid REFERENCES users (id),
    created_at timestamptz NOT NULL,
    finished_at timestamptz
);
CREATE INDEX imports_path ON imports USING gist (path);
GRANT SELECT, INSERT, UPDATE ON imports TO odb_app;
ALTER TABLE imports ENABLE ROW LEVEL SECURITY;
ALTER TABLE imports FORCE ROW LEVEL SECURITY;
CREATE POLICY imports_read ON imports FOR SELECT TO odb_app
    USING (path <@ ANY ((SELECT odb_read_scope())));
CREATE POLICY imports_write ON imports FOR ALL TO odb_app
    USING (path <@ ANY ((SELECT odb_write_scope())))
    WITH CHECK (path <@ ANY ((SELECT odb_write_scope())));
