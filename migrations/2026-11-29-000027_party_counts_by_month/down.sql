DROP TRIGGER party_exemptions_count_changes ON party_exemptions;
DROP TRIGGER party_members_count_changes ON party_members;
DROP TRIGGER party_member_periods_count_changes ON party_member_periods;
DROP FUNCTION party_exemptions_count_changes();
DROP FUNCTION party_members_count_changes();
DROP FUNCTION party_member_periods_count_changes();
-- the statistics of migration 000018
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
DROP FUNCTION odb_party_statistics_counted(ltree, date, boolean);
DROP TABLE party_member_count_changes;
DROP FUNCTION party_member_count_changes_fold();
DROP FUNCTION odb_party_count_changes_recount();
DROP FUNCTION odb_party_count_changes_fold(ltree, date);
DROP FUNCTION odb_party_exemption_changes(party_member_periods, party_exemptions);
DROP FUNCTION odb_party_period_changes(party_member_periods, party_members);
DROP INDEX party_exemptions_to;
DROP INDEX party_exemptions_from;
DROP INDEX party_member_periods_to;
DROP INDEX party_member_periods_from;
