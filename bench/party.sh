#!/usr/bin/env bash
# Measures DB2 at scale against a database that `odb fixtures generate
# --party-members` filled: member name search latency (p50/p95, one client)
# in a province's party committee and in the whole country, and the
# statistics of a province and of the country, as odb_app under row-level
# security with the party scope set.
# Usage: bench/party.sh <database url> <province party committee code> [seconds]
set -euo pipefail
url=$1 committee=$2 seconds=${3:-20}
bin=$(dirname "$(command -v initdb 2>/dev/null || ls -d /usr/lib/postgresql/*/bin/initdb | tail -1)")
psql() { "$bin/psql" "$url" -Atq "$@"; }
work=$(mktemp -d)
search() { # name scope
  local name=$1 scope=$2
  (cd "$work" && "$bin/pgbench" "$url" -n -f "$(dirname "$(readlink -f "$0")")/party-search.sql" \
     -D scope="'$scope'" -c 1 -j 1 -T "$seconds" -l --log-prefix="$name" >/dev/null 2>&1)
  cat "$work/$name".* | awk '{print $3}' | sort -n | awk -v name="$name" '
    {v[NR]=$1} END {printf "%s search: %d queries, p50 %.1f ms, p95 %.1f ms\n", name, NR, v[int(NR*0.5)]/1000, v[int(NR*0.95)]/1000}'
}
stats() { # name scope root
  local name=$1 scope=$2 root=$3
  for run in 1 2 3; do
    psql <<SQL | grep -o 'Execution Time: [0-9.]* ms' | sed "s/^/$name statistics run $run: /"
BEGIN;
SET LOCAL ROLE odb_app;
SELECT set_config('odb.party_read_scope', '$scope', true) \g /dev/null
-- the statement src/party/repo/stats.rs issues for today
EXPLAIN (ANALYZE, FORMAT TEXT) WITH counted AS (SELECT m.id, m.status, m.sex, m.ethnic_group_code, m.religion_code, m.birth_date, m.admitted_on FROM party_members m WHERE m.path <@ '$root' AND m.status IN ('probationary', 'official')) 
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
                 WHERE daterange(valid_from, valid_to) @> current_date) x ON x.member_id = c.id,
           LATERAL (SELECT extract(year FROM age(current_date, c.birth_date))::int AS a,
                           extract(year FROM age(current_date, c.admitted_on))::int AS y) ages) s
GROUP BY GROUPING SETS ((status), (sex), (age_band), (ethnic), (religion), (admitted), (membership),
                        (exempted), ());
COMMIT;
SQL
  done
}
province=$(psql -c "SELECT path FROM party_organizations WHERE code = '$committee'")
country=$(psql -c "SELECT path FROM party_organizations WHERE parent_id IS NULL")
echo "members: $(psql -c 'SELECT count(*) FROM party_members'), in $committee: $(psql -c "SELECT count(*) FROM party_members WHERE path <@ '$province'")"
search province "{$province}"
search country "{$country}"
stats province "{$province}" "$province"
stats country "{$country}" "$country"
rm -rf "$work"
