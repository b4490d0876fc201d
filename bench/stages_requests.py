#!/usr/bin/env python3
"""The requests of bench/stages.sh that a single signed request replayed by wrk cannot give.

  update       UpdateRecords signed with identity credentials, as the write of a sync cycle: one
               record replaced per request, each against the SyncCount the previous one left
               (the SyncSessionToken of one ListRecords, reused as D18 allows). Every request is
               a different one, so it is signed here (botocore) rather than replayed.
  credentials  GetCredentialsForIdentity of one unauthenticated identity (public, unsigned):
               the same request every time, written as a wrk script.

usage:
  stages_requests.py prepare KIND URL STATE   set up (pool, identity, dataset) into STATE (JSON);
                                              for credentials also STATE.lua for wrk
  stages_requests.py send KIND URL STATE N    N requests on one keep-alive connection
  stages_requests.py load KIND URL STATE S    requests for S seconds; prints how many

The developer key comes from COGSYNC_ACCESS_KEY_ID / COGSYNC_SECRET_ACCESS_KEY. Loopback only.
"""

import http.client
import json
import os
import sys
import time
import urllib.parse

import botocore.auth
import botocore.awsrequest
import botocore.credentials

REGION = "us-east-1"
ROLE = "arn:aws:iam::123456789012:role/bench"


class Connection:
    """One keep-alive connection; signs with the given credentials when it has any."""

    def __init__(self, url, credentials=None):
        self.url = url.rstrip("/")
        parts = urllib.parse.urlsplit(self.url)
        if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
            sys.exit("stages_requests.py: loopback endpoints only")
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        self.credentials = credentials

    def call(self, method, path, body, headers, service):
        data = json.dumps(body).encode() if body is not None else b""
        if self.credentials is not None:
            request = botocore.awsrequest.AWSRequest(method=method, url=self.url + path, data=data,
                                                     headers=headers)
            botocore.auth.SigV4Auth(self.credentials, service, REGION).add_auth(request)
            headers = dict(request.headers.items())
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        payload = response.read()
        if response.status != 200:
            sys.exit(f"stages_requests.py: {method} {path}: {response.status} {payload[:300]!r}")
        return json.loads(payload) if payload else None

    def identity(self, operation, body):
        return self.call("POST", "/", body, identity_headers(operation), "cognito-identity")


def identity_headers(operation):
    return {"X-Amz-Target": "AWSCognitoIdentityService." + operation,
            "Content-Type": "application/x-amz-json-1.1"}


def developer():
    return botocore.credentials.Credentials(os.environ["COGSYNC_ACCESS_KEY_ID"],
                                            os.environ["COGSYNC_SECRET_ACCESS_KEY"])


def q(value):
    return urllib.parse.quote(value, safe="-._~")


def lua_string(text):
    level = "="
    while "]" + level + "]" in text:
        level += "="
    return "[" + level + "[" + text + "]" + level + "]"


def prepare(kind, url, state_path):
    admin = Connection(url, developer())
    pool = admin.identity("CreateIdentityPool", {"IdentityPoolName": "stages-" + kind,
                                                 "AllowUnauthenticatedIdentities": True})
    pool_id = pool["IdentityPoolId"]
    admin.identity("SetIdentityPoolRoles", {"IdentityPoolId": pool_id,
                                            "Roles": {"unauthenticated": ROLE,
                                                      "authenticated": ROLE}})
    public = Connection(url)
    identity_id = public.identity("GetId", {"IdentityPoolId": pool_id})["IdentityId"]
    state = {"pool_id": pool_id, "identity_id": identity_id}
    if kind == "credentials":
        body = json.dumps({"IdentityId": identity_id})
        with open(state_path + ".lua", "w") as out:
            out.write('wrk.method = "POST"\nwrk.path = "/"\n')
            out.write("wrk.body = " + lua_string(body) + "\n")
            for name, value in identity_headers("GetCredentialsForIdentity").items():
                out.write(f'wrk.headers["{name}"] = {lua_string(value)}\n')
    else:
        creds = public.identity("GetCredentialsForIdentity", {"IdentityId": identity_id})
        c = creds["Credentials"]
        state["credentials"] = [c["AccessKeyId"], c["SecretKey"], c["SessionToken"]]
        sync = Connection(url, botocore.credentials.Credentials(*state["credentials"]))
        path = f"/identitypools/{q(pool_id)}/identities/{q(identity_id)}/datasets/stages"
        listed = sync.call("GET", path + "/records", None, {}, "cognito-sync")
        state.update(path=path, token=listed["SyncSessionToken"], sync_count=0, done=0)
    with open(state_path, "w") as out:
        json.dump(state, out)


def requests(kind, url, state_path, keep_going):
    """Sends requests while keep_going(n) holds; returns how many it sent."""
    with open(state_path) as f:
        state = json.load(f)
    n = 0
    if kind == "credentials":
        public = Connection(url)
        while keep_going(n):
            public.identity("GetCredentialsForIdentity", {"IdentityId": state["identity_id"]})
            n += 1
        return n
    sync = Connection(url, botocore.credentials.Credentials(*state["credentials"]))
    while keep_going(n):
        out = sync.call("POST", state["path"], {
            "SyncSessionToken": state["token"],
            "RecordPatches": [{"Op": "replace", "Key": "k", "Value": f"v{state['done']}",
                               "SyncCount": state["sync_count"]}]},
            {"Content-Type": "application/json"}, "cognito-sync")
        state["sync_count"] = out["Records"][0]["SyncCount"]
        state["done"] += 1
        n += 1
    with open(state_path, "w") as f:
        json.dump(state, f)
    return n


def main():
    if len(sys.argv) < 5 or sys.argv[1] not in ("prepare", "send", "load") or \
            sys.argv[2] not in ("update", "credentials"):
        sys.exit(__doc__)
    command, kind, url, state_path = sys.argv[1:5]
    if command == "prepare":
        prepare(kind, url, state_path)
    elif command == "send":
        count = int(sys.argv[5])
        requests(kind, url, state_path, lambda n: n < count)
    else:
        stop_at = time.monotonic() + float(sys.argv[5])
        print(requests(kind, url, state_path, lambda n: time.monotonic() < stop_at))


if __name__ == "__main__":
    main()
