#!/usr/bin/env python3
"""Signs in as odb demo's system administrator, as an app would, and prints
the access token: password, then a TOTP code, then a step-up with the next
code (a code counts once), so the routes that need a recent second factor
are reached too.

    sign-in-demo-admin.py BASE_URL DATA_DIR

The last TOTP step used is kept in DATA_DIR/fuzz-totp-step, so that a second
sign-in waits for a code not used yet. The requests name a client address
of their own in X-Forwarded-For (the server must trust 127.0.0.1 as a
proxy), so that the sign-in limits a fuzzer trips at 127.0.0.1 do not stop
them.
"""
import json
import pathlib
import sys
import time
import urllib.request

import pyotp

CLIENT = "192.0.2.1"  # TEST-NET-1: no real client has it


def main(base, data_dir):
    admin = next(
        a for a in json.loads((data_dir / "demo-accounts.json").read_text())
        if a["username"] == "demo.admin"
    )
    totp = pyotp.TOTP(admin["totp_secret"])
    steps = data_dir / "fuzz-totp-step"

    def fresh_code():
        used = int(steps.read_text()) if steps.exists() else 0
        while int(time.time()) // 30 <= used:
            time.sleep(1)
        step = int(time.time()) // 30
        steps.write_text(str(step))
        return totp.at(step * 30)

    def post(path, body, token=None):
        request = urllib.request.Request(base + path, json.dumps(body).encode(), method="POST")
        request.add_header("Content-Type", "application/json")
        request.add_header("X-Forwarded-For", CLIENT)
        if token:
            request.add_header("Authorization", "Bearer " + token)
        with urllib.request.urlopen(request) as response:
            text = response.read()
            return json.loads(text) if text else None

    mfa = post("/api/v1/auth/login", {"username": admin["username"], "password": admin["password"]})
    token = post("/api/v1/auth/mfa", {"mfa_token": mfa["mfa_token"], "code": fresh_code()})["access_token"]
    post("/api/v1/auth/step-up", {"code": fresh_code()}, token)
    print(token)


if __name__ == "__main__":
    main(sys.argv[1], pathlib.Path(sys.argv[2]))
