#!/usr/bin/env bash
# Does a dossier show through timing? A dossier officer of province A opens a
# dossier on a profile managed in A; an officer of province B then asks, over
# HTTP, for that dossier and for a random id, and for the dossiers of that
# profile and of one without any. Both answers are the same 404; this
# measures whether their latencies differ. Needs python3 and a running
# `odb serve`/`odb demo` on the same data dir.
# Usage: bench/dossiers-http.sh <odb binary> <data dir> <base url> <province A> <province B> [rounds]
set -euo pipefail
odb=$1 data=$2 base=$3 a=$4 b=$5 rounds=${6:-2000}
stamp=$(date +%s)
officer_a=$("$odb" --data-dir "$data" user create --username "bench.a.$stamp" --org "$a" \
  --role dossier_officer --role personnel_viewer --json)
officer_b=$("$odb" --data-dir "$data" user create --username "bench.b.$stamp" --org "$b" \
  --role dossier_officer --json)
OFFICER_A="$officer_a" OFFICER_B="$officer_b" BASE="$base" ROUNDS="$rounds" python3 - <<'PY'
import base64, hashlib, hmac, http.client, json, os, random, statistics, struct, time, urllib.parse, uuid

base = urllib.parse.urlparse(os.environ["BASE"])
rounds = int(os.environ["ROUNDS"])
reason = {"reason": "đo thời gian phản hồi"}

class Client:
    def __init__(self):
        self.conn = http.client.HTTPConnection(base.hostname, base.port)
        self.token = None

    def call(self, method, path, body=None):
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = "Bearer " + self.token
        start = time.perf_counter()
        self.conn.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = self.conn.getresponse()
        data = response.read()
        return response.status, data, time.perf_counter() - start

    def sign_in(self, account):
        _, login, _ = self.call("POST", "/api/v1/auth/login",
                                {"username": account["username"], "password": account["password"]})
        mfa = {"mfa_token": json.loads(login)["mfa_token"], "code": totp(account["totp_secret"])}
        _, session, _ = self.call("POST", "/api/v1/auth/mfa", mfa)
        self.token = json.loads(session)["access_token"]

def totp(secret):  # RFC 6238, as an authenticator app computes it
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
    offset = mac[-1] & 15
    return "%06d" % ((struct.unpack(">I", mac[offset:offset + 4])[0] & 0x7FFFFFFF) % 10**6)

a, b = Client(), Client()
a.sign_in(json.loads(os.environ["OFFICER_A"]))
_, page, _ = a.call("GET", "/api/v1/officials?limit=50")
profiles = [p["id"] for p in json.loads(page)["items"]]
dossier = subject = None
for profile in profiles:
    status, made, _ = a.call("POST", "/api/v1/dossiers", {
        "subject_id": profile, "category": "overseas_relations",
        "summary": "Đo thời gian", "content": "Nội dung chỉ để đo thời gian phản hồi."})
    if status == 201:
        dossier, subject = json.loads(made)["id"], profile
        break
assert dossier, "no profile managed in province A among the first 50"
bare = next(p for p in profiles if p != subject)

def compare(client, label, hidden, missing):
    client.conn = http.client.HTTPConnection(base.hostname, base.port)  # the last one idled out
    times = {"hidden": [], "missing": []}
    answers = {"hidden": set(), "missing": set()}
    for _ in range(rounds):
        pair = [("hidden", hidden), ("missing", missing)]
        random.shuffle(pair)
        for name, (path, body) in pair:
            status, data, seconds = client.call("GET" if body is None else "POST", path, body)
            times[name].append(seconds * 1000)
            answers[name].add((status, data))
    print(f"{label}:")
    for name in ("hidden", "missing"):
        t = sorted(times[name])
        print(f"  {name:8} median {statistics.median(t):.3f} ms, p95 {t[int(len(t) * 0.95)]:.3f} ms, "
              f"mean {statistics.mean(t):.3f} ms, answers {sorted(s for s, _ in answers[name])}")
    same = answers["hidden"] == answers["missing"]
    delta = statistics.median(times["hidden"]) - statistics.median(times["missing"])
    print(f"  same bodies: {same}; median difference {delta * 1000:+.0f} µs")

b.sign_in(json.loads(os.environ["OFFICER_B"]))
compare(b, "officer of province B, read a dossier of province A vs a random id",
        (f"/api/v1/dossiers/{dossier}/read", reason), (f"/api/v1/dossiers/{uuid.uuid4()}/read", reason))
compare(b, "officer of province B, list a profile with a dossier vs one without",
        (f"/api/v1/dossiers?subject_id={subject}", None), (f"/api/v1/dossiers?subject_id={bare}", None))
compare(a, "officer of province A (entitled), read the dossier vs a random id",
        (f"/api/v1/dossiers/{dossier}/read", reason), (f"/api/v1/dossiers/{uuid.uuid4()}/read", reason))
PY
