#!/usr/bin/env bash
# Name search end to end, as a province-level personnel viewer sends it over
# HTTP: bearer session, scope, row-level security, masking, JSON. Needs wrk
# and python3, and a running `odb serve` on the same data dir (for instance
# after `odb fixtures generate`).
# Usage: bench/search-http.sh <odb binary> <data dir> <base url> <province code> [connections] [seconds]
set -euo pipefail
odb=$1 data=$2 base=$3 province=$4 connections=${5:-4} seconds=${6:-20}
user="bench.$(date +%s)"
account=$("$odb" --data-dir "$data" user create --username "$user" --org "$province" --role personnel_viewer --json)
token=$(ACCOUNT="$account" BASE="$base" python3 - <<'PY'
import base64, hashlib, hmac, json, os, struct, time, urllib.request

account = json.loads(os.environ["ACCOUNT"])
base = os.environ["BASE"]

def post(path, body):
    req = urllib.request.Request(base + path, json.dumps(body).encode(),
                                 {"Content-Type": "application/json"})
    return json.load(urllib.request.urlopen(req))

def totp(secret):  # RFC 6238, as an authenticator app computes it
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
    offset = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 10**6)

login = post("/api/v1/auth/login", {"username": account["username"], "password": account["password"]})
print(post("/api/v1/auth/mfa", {"mfa_token": login["mfa_token"], "code": totp(account["totp_secret"])})["access_token"])
PY
)
script=$(mktemp --suffix=.lua)
trap 'rm -f "$script"' EXIT
cat > "$script" <<LUA
local families = {"nguyen", "tran", "le", "pham", "hoang", "vu"}
local givens = {"an", "anh", "binh", "dung", "huong", "linh", "minh", "nam"}
wrk.headers["Authorization"] = "Bearer $token"
request = function()
  local q = families[math.random(#families)] .. "%20" .. givens[math.random(#givens)]
  if math.random(2) == 1 then q = givens[math.random(#givens)] end
  return wrk.format("GET", "/api/v1/officials?q=" .. q)
end
LUA
echo "one search, timed by curl:"
curl -s -o /dev/null -w "  q=nguyen%%20van%%20an: HTTP %{http_code}, %{time_total} s\n" \
  -H "Authorization: Bearer $token" "$base/api/v1/officials?q=nguyen%20van%20an"
wrk -t "$connections" -c "$connections" -d "${seconds}s" --latency -s "$script" "$base"
