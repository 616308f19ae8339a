#!/usr/bin/env bash
# Loads DB2 at scale and measures the generator against PostgreSQL alone:
# `odb fixtures generate --party-members M` (after the demo and P profiles),
# timed, then plain COPY of rows it wrote into the same tables, as full: the
# members whose id begins with 0 (a sixteenth, in every unit) with their
# periods, events and exemptions are dumped, deleted and written again by
# COPY with the triggers off, as the generator writes; prints both rates and
# their ratio. The generator resumes: run the script again after an
# interruption and it goes on from the last committed batch (the rate is
# then of the resumed part). The URL must name the cluster's superuser
# (COPY to and from server files); the dump needs a sixteenth of the tables.
# Usage: bench/party-load.sh <odb binary> <database url> <members> [profiles] [dump dir]
# (ODB_MASTER_KEY or ODB_MASTER_KEY_FILE set; run it under `nice` on a shared machine)
set -euo pipefail
odb=$1 url=$2 members=$3 profiles=${4:-500000} dump=${5:-$(mktemp -d)}
mkdir -p "$dump"
bin=$(dirname "$(command -v psql 2>/dev/null || ls -d /usr/lib/postgresql/*/bin/psql | tail -1)")
psql() { "$bin/psql" "$url" -Atq -v ON_ERROR_STOP=1 "$@"; }
export DATABASE_URL=$url

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
[ "$written" -gt 0 ] || { echo "the run was complete already: its rate is in the log of the run"; written=0 seconds=1; }
echo "generator: $written members in $seconds s: $(echo "$written / $seconds" | bc) members/s"
echo "rows: $(for t in party_members party_member_periods party_member_events party_exemptions; do printf '%s %s, ' "$t" "$(psql -c "SELECT count(*) FROM $t")"; done)"
echo "sizes: $(psql -c "SELECT string_agg(c.relname || ' ' || pg_size_pretty(pg_total_relation_size(c.oid)), ', ')
  FROM pg_class c WHERE c.relname IN ('party_members', 'party_member_periods', 'party_member_events')")"

# PostgreSQL alone: the members whose id begins with 0 (a sixteenth, spread
# over every unit) and their rows taken out, then written again by COPY into
# the same tables, as full as the generator's last batches found them
chmod 777 "$dump"
sample="m.id::text LIKE '0%'"
psql -c "COPY (SELECT m.* FROM party_members m WHERE $sample) TO '$dump/party_members' (FORMAT binary)"
for t in party_member_periods party_member_events party_exemptions; do
  psql -c "COPY (SELECT t.* FROM $t t JOIN party_members m ON m.id = t.member_id WHERE $sample) TO '$dump/$t' (FORMAT binary)"
done
sampled=$(psql -c "SELECT count(*) FROM party_members m WHERE $sample")
psql <<SQL
BEGIN;
SET LOCAL session_replication_role = replica;
DELETE FROM party_member_periods t USING party_members m WHERE m.id = t.member_id AND $sample;
DELETE FROM party_member_events t USING party_members m WHERE m.id = t.member_id AND $sample;
DELETE FROM party_exemptions t USING party_members m WHERE m.id = t.member_id AND $sample;
DELETE FROM party_members m WHERE $sample;
COMMIT;
VACUUM party_members, party_member_periods, party_member_events, party_exemptions;
SQL
started=$(date +%s.%N)
psql <<SQL
BEGIN;
SET LOCAL session_replication_role = replica;
COPY party_members FROM '$dump/party_members' (FORMAT binary);
COPY party_member_periods FROM '$dump/party_member_periods' (FORMAT binary);
COPY party_member_events FROM '$dump/party_member_events' (FORMAT binary);
COPY party_exemptions FROM '$dump/party_exemptions' (FORMAT binary);
COMMIT;
SQL
copy=$(echo "$(date +%s.%N) - $started" | bc)
rm -rf "$dump"
copy_rate=$(echo "$sampled / $copy" | bc)
echo "COPY alone: $sampled members (and their rows) in $copy s: $copy_rate members/s"
echo "ratio, generator (whole run) / COPY: $(echo "scale=3; ($written / $seconds) / $copy_rate" | bc)"
