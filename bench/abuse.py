#!/usr/bin/env python3
"""Hostile-tenant figures (issue 13, findings 1 and 2), before and after, in one run.

For each binary given (e.g. a build of main first, then the branch), starts a server of its own
with the compat fixture (test mode: no throttling, so the attacks run at full speed; push through
a webhook that is down, so notifications stay in the outbox) and measures:

  tombstones   bytes stored by one anonymous identity after 30 UpdateRecords of removes of
               unknown keys (13,000 per request where the server takes them, else 1,024), then
               after it filled 20 datasets with as many tombstones as the server keeps and ran
               60 create/delete dataset cycles
  latency      p50 of /healthz and of another identity's ListRecords, alone and while two
               processes flood removes and ListRecords?lastSyncCount=<huge> scans of the attacked
               dataset
  delete       how long DeleteDataset of the attacked dataset holds the single writer
  push         outbox bytes written by one ~400-byte UpdateRecords with 330 devices registered
               and subscribed (as many as the server keeps), and after 4 more updates

Bytes stored are the SQLite pages in use (page_count - freelist_count, WAL included), read
through a read-only connection beside the running server (tests/compat/support/store_probe.py).

Usage: python3 bench/abuse.py BINARY [BINARY ...] [--seconds 5]
"""

import argparse
import os
import pathlib
import statistics
import sys
import tempfile
import multiprocessing
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "compat"))

import botocore.exceptions  # noqa: E402

from support.cogsync_server import CogsyncServer, free_port  # noqa: E402
from support.store_probe import outbox_rows, query_one, stored_bytes  # noqa: E402

ROLE = "arn:aws:iam::000000000000:role/abuse"
APP = "arn:aws:sns:us-east-1:000000000000:app/GCM/abuse"


class Tenant:
    """An anonymous identity of a pool, with a client signed by its own credentials."""

    def __init__(self, server, pool_id):
        self.server = server
        self.pool_id = pool_id
        public = server.unsigned_client()
        self.identity_id = public.get_id(IdentityPoolId=pool_id)["IdentityId"]
        creds = public.get_credentials_for_identity(IdentityId=self.identity_id)["Credentials"]
        self.sync = server.client("cognito-sync", access_key=creds["AccessKeyId"],
                                  secret_key=creds["SecretKey"],
                                  session_token=creds["SessionToken"])
        self.tokens = {}

    def ids(self, dataset):
        return {"IdentityPoolId": self.pool_id, "IdentityId": self.identity_id,
                "DatasetName": dataset}

    def list(self, dataset, **kwargs):
        return self.sync.list_records(**self.ids(dataset), **kwargs)

    def update(self, dataset, patches):
        """The answer, or the error code."""
        if dataset not in self.tokens:
            self.tokens[dataset] = self.list(dataset, MaxResults=1)["SyncSessionToken"]
        try:
            return self.sync.update_records(**self.ids(dataset), RecordPatches=patches,
                                            SyncSessionToken=self.tokens[dataset])
        except botocore.exceptions.ClientError as e:
            return e.response["Error"]["Code"]

    def count(self, dataset):
        return self.list(dataset, MaxResults=1)["DatasetSyncCount"]


def new_pool(server):
    dev = server.client()
    pool_id = dev.create_identity_pool(IdentityPoolName=f"abuse{time.monotonic_ns()}",
                                       AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
    dev.set_identity_pool_roles(IdentityPoolId=pool_id,
                                Roles={"authenticated": ROLE, "unauthenticated": ROLE})
    server.client("cognito-sync").set_identity_pool_configuration(
        IdentityPoolId=pool_id, PushSync={"ApplicationArns": [APP], "RoleArn": ROLE})
    return pool_id


def removes(keys):
    return [{"Op": "remove", "Key": k, "SyncCount": 0} for k in keys]


def unknown_key_removes(tenant, dataset, requests, tag):
    """Removes of keys never written, as many per request as the server takes."""
    for r in range(requests):
        keys = [f"{tag}-{r}-{'x' * 100}-{i}" for i in range(13000)]
        if isinstance(tenant.update(dataset, removes(keys)), str):
            tenant.update(dataset, removes(keys[:1024]))


def fill_tombstones(tenant, dataset, rounds=5):
    """Writes 1,024 keys of 128 bytes and removes them, `rounds` times."""
    for r in range(rounds):
        keys = [f"{r}-".ljust(128, "t")[:120] + f"{i:08d}" for i in range(1024)]
        if isinstance(tenant.update(dataset, [{"Op": "replace", "Key": k, "Value": "v",
                                               "SyncCount": 0} for k in keys]), str):
            return
        count = tenant.count(dataset)
        if isinstance(tenant.update(dataset, [{"Op": "remove", "Key": k, "SyncCount": count}
                                              for k in keys]), str):
            return


def latencies(server, victim, seconds):
    health, lists = [], []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        t0 = time.perf_counter()
        server.http("GET", "/healthz")
        health.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        victim.list("mine")
        lists.append(time.perf_counter() - t0)
    return statistics.median(health) * 1000, statistics.median(lists) * 1000


def measure(binary, seconds):
    os.environ["COGSYNC_BIN"] = binary
    server = CogsyncServer(config={"integrations": {
        "push_webhook_url": f"http://127.0.0.1:{free_port()}/push"}})
    server.data_dir = tempfile.mkdtemp(prefix="cogsync-abuse-")
    server.start()
    out = {}
    try:
        pool_id = new_pool(server)
        victim = Tenant(server, pool_id)
        victim.update("mine", [{"Op": "replace", "Key": "k", "Value": "v", "SyncCount": 0}])

        # Tombstones: removes of unknown keys, then every bound filled.
        attacker = Tenant(server, pool_id)
        before = stored_bytes(server)
        t0 = time.monotonic()
        unknown_key_removes(attacker, "flood", 30, "a")
        out["unknown_removes_s"] = time.monotonic() - t0
        out["unknown_removes_mb"] = (stored_bytes(server) - before) / 1e6
        filler = Tenant(server, pool_id)
        before = stored_bytes(server)
        for d in range(20):
            fill_tombstones(filler, f"full{d:02d}")
        out["filled_mb"] = (stored_bytes(server) - before) / 1e6
        cycler = Tenant(server, pool_id)
        before = stored_bytes(server)
        for c in range(60):
            cycler.update(f"cycle{c}", [{"Op": "replace", "Key": "k", "Value": "v",
                                         "SyncCount": 0}])
            cycler.sync.delete_dataset(**cycler.ids(f"cycle{c}"))
        out["cycles_kb"] = (stored_bytes(server) - before) / 1e3
        out["dataset_rows"] = query_one(
            server, f"SELECT COUNT(*) FROM datasets WHERE identity_id = '{cycler.identity_id}'")[0]

        # Latency of another client, alone and during a flood of removes and scans.
        out["alone_ms"] = latencies(server, victim, 2)
        # The attackers are processes of their own (forked: they inherit the client), so the
        # Python work of building their requests does not slow the measuring client down.
        fork = multiprocessing.get_context("fork")
        stop = fork.Event()

        def flood(worker):
            n = 0
            while not stop.is_set():
                n += 1
                unknown_key_removes(attacker, "flood", 1, f"f{worker}-{n}")
                attacker.list("flood", LastSyncCount=2 ** 40)

        threads = [fork.Process(target=flood, args=(w,)) for w in range(2)]
        for t in threads:
            t.start()
        try:
            out["attack_ms"] = latencies(server, victim, seconds)
        finally:
            stop.set()
            for t in threads:
                t.join()

        # DeleteDataset of the attacked dataset, timed, while the victim writes.
        t0 = time.monotonic()
        attacker.sync.delete_dataset(**attacker.ids("flood"))
        out["delete_s"] = time.monotonic() - t0

        # Push fan-out: 330 devices registered and subscribed, the sink down.
        pusher = Tenant(server, new_pool(server))
        pusher.update("ds", [{"Op": "replace", "Key": "k", "Value": "v", "SyncCount": 0}])
        subscribed = 0
        for i in range(330):
            device = pusher.sync.register_device(
                IdentityPoolId=pusher.pool_id, IdentityId=pusher.identity_id, Platform="GCM",
                Token=f"token-{i}-" + "z" * 150)["DeviceId"]
            subscribed += 1
            pusher.sync.subscribe_to_dataset(**pusher.ids("ds"), DeviceId=device)
        entries0, bytes0 = outbox_rows(server)
        pusher.update("ds", [{"Op": "replace", "Key": "k", "Value": "x" * 300, "SyncCount": 1}])
        entries1, bytes1 = outbox_rows(server)
        for i in range(4):
            pusher.update("ds", [{"Op": "replace", "Key": "k", "Value": str(i), "SyncCount": i + 2}])
        entries5, bytes5 = outbox_rows(server)
        devices = query_one(server, "SELECT COUNT(*) FROM devices")[0]
        out["push"] = (devices, entries1 - entries0, bytes1 - bytes0, entries5 - entries0,
                       bytes5 - bytes0)
    finally:
        server.stop()
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("binaries", nargs="+")
    parser.add_argument("--seconds", type=float, default=5)
    args = parser.parse_args()
    for binary in args.binaries:
        print(f"measuring {binary} ...", file=sys.stderr, flush=True)
        r = measure(os.path.abspath(binary), args.seconds)
        devices, e1, b1, e5, b5 = r["push"]
        print(f"== {binary}")
        print(f"  one identity, 30 requests of removes of unknown keys: "
              f"{r['unknown_removes_mb']:.1f} MB stored in {r['unknown_removes_s']:.1f} s")
        print(f"  one identity, 20 datasets filled with 5 x 1,024 removed records each: "
              f"{r['filled_mb']:.1f} MB stored")
        print(f"  one identity, 60 create/delete dataset cycles: {r['dataset_rows']} dataset rows,"
              f" {r['cycles_kb']:.0f} kB stored")
        print(f"  another client's p50 alone: /healthz {r['alone_ms'][0]:.2f} ms, "
              f"ListRecords {r['alone_ms'][1]:.2f} ms")
        print(f"  another client's p50 during the attack: /healthz {r['attack_ms'][0]:.2f} ms, "
              f"ListRecords {r['attack_ms'][1]:.2f} ms")
        print(f"  DeleteDataset of the attacked dataset: {r['delete_s'] * 1000:.0f} ms")
        print(f"  push, 330 devices registered ({devices} kept): one write -> {e1} outbox "
              f"entries, {b1} bytes; five writes -> {e5} entries, {b5} bytes")


if __name__ == "__main__":
    main()
