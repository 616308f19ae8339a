#!/usr/bin/env bash
# Measures POST /api/v1/sync/moha/events with batches of 1,000 events, sent
# by the reference sender (`odb sync push`) from a separate process,
# beside PostgreSQL alone writing the same rows (pgbench, one transaction of
# 1,000 events, one statement per row as events decided one at a time send
# them, and one statement per kind of row as a batch decided together does,
# decision 0037). Two runs:
# official.upserted for people ODB does not hold yet (creates), then
# official.changed for the same people (updates in part). Needs python3,
# pgbench and a running `odb demo` (or `odb serve`) on the data dir.
# Usage: bench/sync.sh <odb binary> <data dir> <base url> [batches]
# (SYNC_BENCH_PER_ROW=0 skips PostgreSQL's statement-per-row runs.)
set -euo pipefail
odb=$1 data=$(cd "$2" && pwd) base=$3 batches=${4:-10}
here=$(cd "$(dirname "$0")" && pwd)
bin=$(dirname "$(command -v pgbench 2>/dev/null || ls -d /usr/lib/postgresql/*/bin/pgbench | tail -1)")
socket="$data/postgres/socket"
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
psql() { as_pg "$bin/psql" -h "$socket" -d odb -Atq "$@"; }
work=$(mktemp -d)
chmod 755 "$work"
stamp=$(date +%s)
ODB_MASTER_KEY_FILE=${ODB_MASTER_KEY_FILE:-$data/master.key} \
  "$odb" --data-dir "$data" sync-client create --name "bench-$stamp" --org VN --json \
  > "$work/client.json" 2>/dev/null
python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['secret'])" "$work/client.json" > "$work/secret"
client=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['id'])" "$work/client.json")
psql -c "SELECT id FROM organizations WHERE org_group = 2 AND status = 'active'" > "$work/orgs"
first=$(( $(psql -c "SELECT coalesce(max(sequence), 0) FROM sync_events") + 1 ))

python3 - "$work" "$batches" "$stamp" "$first" <<'PY'
import json, sys, uuid
work, batches, stamp, sequence = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
orgs = open(f"{work}/orgs").read().split()
people = batches * 1000
def event(n, kind, version, data):
    global sequence
    sequence += 1
    code = f"{(stamp % 1000):03d}{n:09d}"
    return {"event_id": str(uuid.uuid4()), "sequence": sequence, "occurred_at": "2026-11-29T07:00:00Z",
            "type": kind, "entity": {"moha_id": f"BENCH-{stamp}-{n}", "personal_identification_code": code},
            "version": version, "data": data}
with open(f"{work}/upserts.jsonl", "w") as out:
    for n in range(people):
        org = orgs[n % len(orgs)]
        code = f"{(stamp % 1000):03d}{n:09d}"
        data = {"classification": "civil_servant", "managing_organization_id": org,
                "using_organization_id": org, "full_name": f"Nguyễn Văn Đồng {n}", "sex": "male",
                "birth_date": "1980-05-17", "personal_identification_code": code,
                "phone": "0912345678", "current_address": "Số 7 phố Tràng Thi, Hà Nội",
                "salary_step": 3, "salary_coefficient": 3.33, "first_recruited_on": "2005-09-01"}
        out.write(json.dumps(event(n, "official.upserted", 1, data), ensure_ascii=False) + "\n")
with open(f"{work}/changes.jsonl", "w") as out:
    for n in range(people):
        out.write(json.dumps(event(n, "official.changed", 2, {"salary_step": 4, "phone": "0987654321"})) + "\n")
PY

summary() { # label timings-file
  python3 - "$1" "$2" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[2])]
events = sum(r["events"] for r in rows); seconds = sum(r["seconds"] for r in rows)
lat = sorted(r["seconds"] for r in rows)
p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000
applied = sum(r["applied"] for r in rows)
print(f"{sys.argv[1]}: {events} events in {len(rows)} batches, {applied} applied, "
      f"{events / seconds:.0f} events/s, batch p50 {p(0.5):.0f} ms, p99 {p(0.99):.0f} ms")
PY
}
"$odb" sync push --url "$base" --client "$client" --secret-file "$work/secret" \
  --timings "$work/upserts.jsonl" > "$work/upserts.timings"
summary "ODB official.upserted (create)" "$work/upserts.timings"
"$odb" sync push --url "$base" --client "$client" --secret-file "$work/secret" \
  --timings "$work/changes.jsonl" > "$work/changes.timings"
summary "ODB official.changed (update)" "$work/changes.timings"

# PostgreSQL alone: the rows one event writes, one statement each, 1,000
# events a transaction: a create writes the profile's three rows, its
# history line, the event, the entity (insert, then update) and an audit
# entry; a change updates the three profile rows and writes the rest.
psql <<'SQL'
DROP TABLE IF EXISTS bench_profile, bench_part, bench_line;
CREATE TABLE bench_profile (id bigint PRIMARY KEY, name text, org uuid, version int, sealed bytea, at timestamptz);
CREATE TABLE bench_part (id bigint PRIMARY KEY, sealed bytea, at timestamptz);
CREATE TABLE bench_line (id bigserial PRIMARY KEY, ref bigint, kind text, details jsonb, at timestamptz);
CREATE SEQUENCE IF NOT EXISTS bench_ids;
SQL
python3 - "$work" <<'PY'
import sys
work = sys.argv[1]
blob = "decode(repeat('ab', 120), 'hex')"
with open(f"{work}/create.sql", "w") as f:
    f.write("BEGIN;\n")
    for _ in range(1000):
        f.write("SELECT nextval('bench_ids') AS id \\gset\n")
        f.write(f"INSERT INTO bench_profile VALUES (:id, 'Nguyễn Văn Đồng', gen_random_uuid(), 1, {blob}, now());\n")
        f.write(f"INSERT INTO bench_part VALUES (:id + 1000000000, {blob}, now());\n")
        f.write(f"INSERT INTO bench_part VALUES (:id + 2000000000, {blob}, now());\n")
        f.write("INSERT INTO bench_line (ref, kind, details, at) VALUES (:id, 'created', '{}', now());\n")
        f.write(f"INSERT INTO bench_line (ref, kind, details, at) VALUES (:id, 'event', jsonb_build_object('p', {blob}::text), now());\n")
        f.write("INSERT INTO bench_line (ref, kind, details, at) VALUES (:id, 'entity', '{}', now());\n")
        f.write("UPDATE bench_line SET details = '{\"v\": 1}' WHERE id = currval('bench_line_id_seq');\n")
        f.write("INSERT INTO bench_line (ref, kind, details, at) VALUES (:id, 'audit', '{\"fields\": []}', now());\n")
    f.write("COMMIT;\n")
with open(f"{work}/update.sql", "w") as f:
    f.write("BEGIN;\n")
    for _ in range(1000):
        f.write("\\set id random(1, 10000)\n")
        f.write(f"UPDATE bench_profile SET version = version + 1, sealed = {blob}, at = now() WHERE id = :id;\n")
        f.write(f"UPDATE bench_part SET sealed = {blob}, at = now() WHERE id = :id + 1000000000;\n")
        f.write(f"UPDATE bench_part SET sealed = {blob}, at = now() WHERE id = :id + 2000000000;\n")
        f.write("INSERT INTO bench_line (ref, kind, details, at) VALUES (:id, 'updated', '{}', now());\n")
        f.write(f"INSERT INTO bench_line (ref, kind, details, at) VALUES (:id, 'event', jsonb_build_object('p', {blob}::text), now());\n")
        f.write("INSERT INTO bench_line (ref, kind, details, at) VALUES (:id, 'entity', '{}', now());\n")
        f.write("INSERT INTO bench_line (ref, kind, details, at) VALUES (:id, 'audit', '{\"fields\": []}', now());\n")
    f.write("COMMIT;\n")
# the same rows as one statement per kind of row (the batch path, decision
# 0037): 1,000 events a transaction
rows = "generate_series(1, 1000) g"
with open(f"{work}/create-set.sql", "w") as f:
    f.write("BEGIN;\n")
    f.write("SELECT nextval('bench_ids') * 1000 AS base \\gset\n")
    f.write(f"INSERT INTO bench_profile SELECT :base + g, 'Nguyễn Văn Đồng', gen_random_uuid(), 1, {blob}, now() FROM {rows};\n")
    f.write(f"INSERT INTO bench_part SELECT :base + g + 1000000000000, {blob}, now() FROM {rows};\n")
    f.write(f"INSERT INTO bench_part SELECT :base + g + 2000000000000, {blob}, now() FROM {rows};\n")
    f.write(f"INSERT INTO bench_line (ref, kind, details, at) SELECT :base + g, 'created', '{{}}', now() FROM {rows};\n")
    f.write(f"INSERT INTO bench_line (ref, kind, details, at) SELECT :base + g, 'event', jsonb_build_object('p', {blob}::text), now() FROM {rows};\n")
    f.write(f"INSERT INTO bench_line (ref, kind, details, at) SELECT :base + g, 'entity', '{{}}', now() FROM {rows};\n")
    f.write("UPDATE bench_line SET details = '{\"v\": 1}' WHERE kind = 'entity' AND ref > :base AND ref <= :base + 1000;\n")
    f.write(f"INSERT INTO bench_line (ref, kind, details, at) SELECT :base + g, 'audit', '{{\"fields\": []}}', now() FROM {rows};\n")
    f.write("COMMIT;\n")
with open(f"{work}/update-set.sql", "w") as f:
    f.write("BEGIN;\n")
    f.write("\\set base random(1, 5) * 1000\n")
    f.write(f"UPDATE bench_profile SET version = version + 1, sealed = {blob}, at = now() WHERE id > :base AND id <= :base + 1000;\n")
    f.write(f"UPDATE bench_part SET sealed = {blob}, at = now() WHERE id > :base + 1000000000000 AND id <= :base + 1000000001000;\n")
    f.write(f"UPDATE bench_part SET sealed = {blob}, at = now() WHERE id > :base + 2000000000000 AND id <= :base + 2000000001000;\n")
    f.write(f"INSERT INTO bench_line (ref, kind, details, at) SELECT :base + g, 'updated', '{{}}', now() FROM {rows};\n")
    f.write(f"INSERT INTO bench_line (ref, kind, details, at) SELECT :base + g, 'event', jsonb_build_object('p', {blob}::text), now() FROM {rows};\n")
    f.write("UPDATE bench_line SET details = '{\"v\": 2}' WHERE kind = 'entity' AND ref > :base AND ref <= :base + 1000;\n")
    f.write(f"INSERT INTO bench_line (ref, kind, details, at) SELECT :base + g, 'audit', '{{\"fields\": []}}', now() FROM {rows};\n")
    f.write("COMMIT;\n")
PY
chmod 644 "$work"/*.sql
pg_rate() { # label script
  local tps
  tps=$(cd "$work" && as_pg "$bin/pgbench" -h "$socket" -n -c 1 -j 1 -t "$batches" -f "$2" odb 2>/dev/null \
        | awk '/^tps/ {print $3}')
  python3 -c "import sys; print(f'{sys.argv[1]}: {float(sys.argv[2]) * 1000:.0f} events/s ({sys.argv[2]} transactions/s of 1,000 events)')" "$1" "$tps"
}
if [ "${SYNC_BENCH_PER_ROW:-1}" != 0 ]; then # slow on a loaded machine
  pg_rate "PostgreSQL alone, create rows, a statement each" create.sql
  pg_rate "PostgreSQL alone, update rows, a statement each" update.sql
fi
psql -c "TRUNCATE bench_profile, bench_part, bench_line; ALTER SEQUENCE bench_ids RESTART"
pg_rate "PostgreSQL alone, create rows, a statement per kind" create-set.sql
pg_rate "PostgreSQL alone, update rows, a statement per kind" update-set.sql
psql -c "DROP TABLE bench_profile, bench_part, bench_line; DROP SEQUENCE bench_ids"
rm -rf "$work"
