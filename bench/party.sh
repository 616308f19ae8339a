#!/usr/bin/env bash
# Measures DB2 at scale against a database that `odb fixtures generate
# --party-members` filled: member name search latency (p50/p95, one client)
# in a province's party committee and in the whole country (beside
# PostgreSQL alone: the same statement as the owner, the subtree a path
# range: bench/party-search-alone.sql), and the
# statistics of a province and of the country, as odb_app under row-level
# security with the party scope set: today (from the kept counts), two past
# dates (from the kept changes by month, and counted from the periods as
# before decision 0032), and beside them PostgreSQL alone counting the
# subtree's members (the owner, no row-level security: index-only today,
# from the periods' index on a past date); and the same for a commune's
# committee (counted from the member rows).
# Usage: bench/party.sh <database url> <province party committee code> [seconds] [commune committee code]
set -euo pipefail
url=$1 committee=$2 seconds=${3:-20} commune=${4:-}
bin=$(dirname "$(command -v pgbench 2>/dev/null || ls -d /usr/lib/postgresql/*/bin/pgbench | tail -1)")
here=$(cd "$(dirname "$0")" && pwd)
psql() { "$bin/psql" "$url" -Atq "$@"; }
work=$(mktemp -d)
search() { # name scope [script variable]
  local name=$1 scope=$2 script=${3:-party-search.sql} variable=${4:-scope}
  (cd "$work" && "$bin/pgbench" "$url" -n -f "$here/$script" \
     -D "$variable='$scope'" -c 1 -j 1 -T "$seconds" -l --log-prefix="$name" >/dev/null 2>&1)
  cat "$work/$name".* | awk '{print $3}' | sort -n | awk -v name="$name" '
    {v[NR]=$1} END {printf "%s search: %d queries, p50 %.1f ms, p95 %.1f ms\n", name, NR, v[int(NR*0.5)]/1000, v[int(NR*0.95)]/1000}'
}
stats() { # name scope root
  local name=$1 scope=$2 root=$3
  for run in 1 2 3; do
    psql <<SQL | grep -o 'Execution Time: [0-9.]* ms' | sed "s/^/$name statistics today run $run: /"
BEGIN;
SET LOCAL ROLE odb_app;
SELECT set_config('odb.party_read_scope', '$scope', true) \g /dev/null
-- the call src/party/repo/stats.rs makes for today
EXPLAIN (ANALYZE) SELECT dimension, key, n FROM odb_party_statistics('$root', current_date, true);
COMMIT;
SQL
  done
  for past in "current_date - 1" "date '2025-06-15'"; do
    for run in 1 2 3; do
      psql <<SQL | grep -o 'Execution Time: [0-9.]* ms' | sed "s/^/$name statistics of $past (kept changes) run $run: /"
BEGIN;
SET LOCAL ROLE odb_app;
SELECT set_config('odb.party_read_scope', '$scope', true) \g /dev/null
EXPLAIN (ANALYZE) SELECT dimension, key, n FROM odb_party_statistics('$root', $past, false);
COMMIT;
SQL
    done
    # before decision 0032: counted member by member from the periods (as the owner)
    psql <<SQL | grep -o 'Execution Time: [0-9.]* ms' | sed "s/^/$name statistics of $past counted from the periods: /"
EXPLAIN (ANALYZE) SELECT dimension, key, n FROM odb_party_statistics_counted('$root', $past, false);
SQL
    for run in 1 2 3; do
      psql <<SQL | grep -o 'Execution Time: [0-9.]* ms' | sed "s/^/$name PostgreSQL alone, count(*) of the members on $past run $run: /"
EXPLAIN (ANALYZE) SELECT count(*) FROM party_member_periods
 WHERE path <@ '$root'::ltree AND daterange(valid_from, valid_to) @> $past AND status IN ('probationary', 'official');
SQL
    done
  done
  for run in 1 2 3; do
    psql <<SQL | grep -o 'Execution Time: [0-9.]* ms' | sed "s/^/$name PostgreSQL alone, count(*) of the members run $run: /"
EXPLAIN (ANALYZE) SELECT count(*) FROM party_members
 WHERE path >= '$root'::ltree AND path < '$root.zzzz'::ltree AND status IN ('probationary', 'official');
SQL
  done
}
province=$(psql -c "SELECT path FROM party_organizations WHERE code = '$committee'")
country=$(psql -c "SELECT path FROM party_organizations WHERE parent_id IS NULL")
echo "members: $(psql -c 'SELECT count(*) FROM party_members'), in $committee: $(psql -c "SELECT count(*) FROM party_members WHERE path <@ '$province'")"
search province "{$province}"
search province-alone "$province" party-search-alone.sql root
search country "{$country}"
search country-alone "$country" party-search-alone.sql root
stats province "{$province}" "$province"
stats country "{$country}" "$country"
if [ -n "$commune" ]; then
  local_root=$(psql -c "SELECT path FROM party_organizations WHERE code = '$commune'")
  echo "in $commune: $(psql -c "SELECT count(*) FROM party_members WHERE path <@ '$local_root'")"
  stats commune "{$local_root}" "$local_root"
fi
rm -rf "$work"
