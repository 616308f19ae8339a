#!/usr/bin/env bash
# Loads DB2 at scale and measures the generator against PostgreSQL alone:
# `odb fixtures generate --party-members M` (after the demo and P profiles),
# timed, then plain COPY of the very rows it wrote (members, periods, events,
# exemptions, and the demo's transfers and attendances: dumped, the tables emptied, loaded again into the same tables
# with the same indexes, triggers off as the generator has them, then the
# same VACUUM ANALYZE), timed; prints both rates and their ratio. The
# generator resumes: run the script again after an interruption and it goes
# on from the last committed batch (the rate is then of the resumed part).
# The database must be on a cluster whose superuser the URL names (COPY to
# and from server files); the dump needs about the tables' heap size free.
# Usage: bench/party-load.sh <odb binary> <database url> <members> [profiles] [dump dir]
# (ODB_MASTER_KEY or ODB_MASTER_KEY_FILE set; run it under `nice` on a shared machine)
set -euo pipefail
odb=$1 url=$2 members=$3 profiles=${4:-500000} dump=${5:-$(mktemp -d)}
bin=$(dirname "$(command -v psql 2>/dev/null || ls -d /usr/lib/postgresql/*/bin/psql | tail -1)")
psql() { "$bin/psql" "$url" -Atq -v ON_ERROR_STOP=1 "$@"; }
export DATABASE_URL=$url
tables="party_members party_member_periods party_member_events party_exemptions party_transfers party_attendances"

"$odb" migrate
"$odb" fixtures load demo
have=$(psql -c "SELECT count(*) FROM officials")
if [ "$have" -lt "$profiles" ]; then
  started=$(date +%s.%N)
  "$odb" fixtures generate --officials "$profiles" --seed 1
  echo "profiles: $profiles in $(echo "$(date +%s.%N) - $started" | bc) s"
fi
before=$(psql -c "SELECT count(*) FROM party_members")
started=$(date +%s.%N)
"$odb" fixtures generate --party-members "$members" --seed 1
seconds=$(echo "$(date +%s.%N) - $started" | bc)
after=$(psql -c "SELECT count(*) FROM party_members")
written=$((after - before))
echo "generator: $written members in $seconds s: $(echo "$written / $seconds" | bc) members/s"
echo "rows: $(for t in $tables; do printf '%s %s, ' "$t" "$(psql -c "SELECT count(*) FROM $t")"; done)"
echo "sizes: $(psql -c "SELECT string_agg(c.relname || ' ' || pg_size_pretty(pg_total_relation_size(c.oid)), ', ')
  FROM pg_class c WHERE c.relname IN ('party_members', 'party_member_periods', 'party_member_events')")"

chmod 777 "$dump"
for t in $tables; do psql -c "COPY $t TO '$dump/$t' (FORMAT binary)"; done
load=""
for t in $tables; do load="$load COPY $t FROM '$dump/$t' (FORMAT binary);"; done
started=$(date +%s.%N)
psql <<SQL
BEGIN;
SET LOCAL session_replication_role = replica;
TRUNCATE $(echo "$tables" | tr ' ' ',');
$load
COMMIT;
VACUUM (ANALYZE) $(echo "$tables" | tr ' ' ',');
SQL
copy=$(echo "$(date +%s.%N) - $started" | bc)
rm -rf "$dump"
echo "COPY alone: $after members (and their rows) in $copy s: $(echo "$after / $copy" | bc) members/s"
echo "ratio, generator / COPY: $(echo "scale=3; ($written / $seconds) / ($after / $copy)" | bc)"
