#!/usr/bin/env python3
"""UpdateRecords throughput with 1 client against N concurrent clients.

Each client is a process (so that request signing in Python does not serialise the clients on
one interpreter lock) with its own identity and dataset and one keep-alive HTTP connection; it
loops UpdateRecords calls (one SyncSessionToken from one ListRecords, reused as D18 allows) that
each replace one key, for a fixed time. The store commits every acknowledged write durably
(D24); with concurrent writers the SQLite store can group several into one commit, which is
what the comparison of 1 client against many shows.

Usage (starts a server of its own with the compat fixture, in a temporary data directory):
  python3 bench/update_records_load.py --binary build/cogsync --clients 1,32 --seconds 10 \
      --rounds 2
Or against a running server with the developer key in COGSYNC_ACCESS_KEY_ID /
COGSYNC_SECRET_ACCESS_KEY:
  python3 bench/update_records_load.py --endpoint http://127.0.0.1:8080 --clients 32
Rounds alternate the client counts (1, 32, 1, 32, ...) so that drift on a shared machine hits
both alike.
"""

import argparse
import http.client
import json
import multiprocessing
import os
import pathlib
import sys
import time
import urllib.parse

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "compat"))

import botocore.auth  # noqa: E402
import botocore.awsrequest  # noqa: E402
import botocore.credentials  # noqa: E402

REGION = "us-east-1"


class Signer:
    def __init__(self, endpoint, access_key, secret_key):
        self.endpoint = endpoint
        self.credentials = botocore.credentials.Credentials(access_key, secret_key)

    def headers(self, method, path, body, headers, service):
        request = botocore.awsrequest.AWSRequest(method=method, url=self.endpoint + path,
                                                 data=body, headers=headers)
        botocore.auth.SigV4Auth(self.credentials, service, REGION).add_auth(request)
        return dict(request.headers.items())


class Connection:
    """One keep-alive connection that signs and sends JSON requests."""

    def __init__(self, signer):
        url = urllib.parse.urlsplit(signer.endpoint)
        self.signer = signer
        self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=60)

    def call(self, method, path, body=None, headers=None, service="cognito-sync"):
        data = json.dumps(body).encode() if body is not None else b""
        headers = dict(headers or {})
        if body is not None:
            headers["Content-Type"] = headers.get("Content-Type", "application/json")
        signed = self.signer.headers(method, path, data, headers, service)
        self.conn.request(method, path, body=data, headers=signed)
        response = self.conn.getresponse()
        payload = response.read()
        if response.status != 200:
            raise RuntimeError(f"{method} {path}: {response.status} {payload[:300]!r}")
        return json.loads(payload) if payload else None

    def identity(self, operation, body):
        return self.call("POST", "/", body, {
            "X-Amz-Target": "AWSCognitoIdentityService." + operation,
            "Content-Type": "application/x-amz-json-1.1"}, service="cognito-identity")


def q(value):
    return urllib.parse.quote(value, safe="-._~")


def client_loop(signer, pool_id, identity_id, seconds, ready, go, results):
    conn = Connection(signer)
    path = f"/identitypools/{q(pool_id)}/identities/{q(identity_id)}/datasets/load"
    listed = conn.call("GET", path + "/records")
    token = listed["SyncSessionToken"]
    sync_count = next((r["SyncCount"] for r in listed["Records"] if r["Key"] == "k"), 0)
    ready.release()
    go.wait()
    stop_at = time.monotonic() + seconds
    done = 0
    while time.monotonic() < stop_at:
        out = conn.call("POST", path, {"SyncSessionToken": token, "RecordPatches": [
            {"Op": "replace", "Key": "k", "Value": f"v{done}", "SyncCount": sync_count}]})
        sync_count = out["Records"][0]["SyncCount"]
        done += 1
    results.put(done)


def run(signer, pool_id, identities, clients, seconds):
    """Starts the clients, lets them all begin at once, returns (requests, seconds)."""
    ctx = multiprocessing.get_context("fork")
    ready, go, results = ctx.Semaphore(0), ctx.Event(), ctx.Queue()
    workers = [ctx.Process(target=client_loop,
                           args=(signer, pool_id, identities[i], seconds, ready, go, results))
               for i in range(clients)]
    for w in workers:
        w.start()
    for _ in workers:
        ready.acquire()
    start = time.monotonic()
    go.set()
    total = sum(results.get() for _ in workers)
    elapsed = time.monotonic() - start
    for w in workers:
        w.join()
        if w.exitcode != 0:
            raise RuntimeError(f"a client failed with exit code {w.exitcode}")
    return total, elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", help="start this cogsync binary (temporary data directory)")
    parser.add_argument("--endpoint", help="use a running server instead")
    parser.add_argument("--clients", default="1,32", help="comma-separated client counts")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    counts = [int(c) for c in args.clients.split(",")]

    server = None
    if args.endpoint:
        endpoint = args.endpoint.rstrip("/")
        access_key = os.environ["COGSYNC_ACCESS_KEY_ID"]
        secret_key = os.environ["COGSYNC_SECRET_ACCESS_KEY"]
    else:
        if args.binary:
            os.environ["COGSYNC_BIN"] = args.binary
        from support.cogsync_server import ACCESS_KEY_ID, SECRET_ACCESS_KEY, CogsyncServer
        server = CogsyncServer().start()
        endpoint, access_key, secret_key = server.endpoint, ACCESS_KEY_ID, SECRET_ACCESS_KEY
    try:
        signer = Signer(endpoint, access_key, secret_key)
        setup = Connection(signer)
        pool_id = setup.identity("CreateIdentityPool", {
            "IdentityPoolName": "load", "AllowUnauthenticatedIdentities": True})["IdentityPoolId"]
        identities = [setup.identity("GetId", {"IdentityPoolId": pool_id})["IdentityId"]
                      for _ in range(max(counts))]
        print(f"{'clients':>7} {'requests':>9} {'seconds':>8} {'req/s':>9}")
        results = {c: [] for c in counts}
        for _ in range(args.rounds):
            for clients in counts:
                done, elapsed = run(signer, pool_id, identities, clients, args.seconds)
                rate = done / elapsed
                results[clients].append(rate)
                print(f"{clients:>7} {done:>9} {elapsed:>8.2f} {rate:>9.1f}", flush=True)
        means = {c: sum(r) / len(r) for c, r in results.items()}
        base = means[counts[0]]
        for c in counts:
            print(f"mean req/s with {c} client(s): {means[c]:.1f} "
                  f"({means[c] / base:.2f}x of {counts[0]} client(s))")
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
