#!/usr/bin/env bash
# Measures name search at scale against a database that `odb fixtures generate`
# filled. Usage: bench/search.sh <database url> <province code> [clients] [seconds]
set -euo pipefail
url=$1 province=$2 clients=${3:-4} seconds=${4:-20}
bin=$(dirname "$(command -v initdb 2>/dev/null || ls -d /usr/lib/postgresql/*/bin/initdb | tail -1)")
scope=$("$bin/psql" "$url" -Atc "SELECT '{' || path::text || '}' FROM organizations WHERE code = '$province'")
echo "scope of $province: $scope"
"$bin/pgbench" "$url" -n -f "$(dirname "$0")/search.sql" -D scope="'$scope'" -c "$clients" -j "$clients" -T "$seconds" --progress=5
