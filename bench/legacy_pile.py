#!/usr/bin/env python3
"""Deleting a tombstone pile stored before the D16 bound (issue 13, finding 1), in one run.

A store upgraded from a version without the tombstone bound can hold datasets with hundreds of
thousands of tombstones. For each binary given (e.g. a build of main first, then the branch),
starts a server of its own, gives two anonymous identities a dataset each, stops the server and
adds PILE tombstones to each dataset with sqlite3 (as the old version stored them), starts it
again and measures, while a third identity writes in a loop (one UpdateRecords at a time):

  DeleteDataset of the first pile     its time, and the writer's p50 and worst latency meanwhile
  DeleteIdentities of the second one  the same

The writer's worst latency is how long the single writer was held.

Usage: python3 bench/legacy_pile.py BINARY [BINARY ...] [--pile 390000]
"""

import argparse
import os
import pathlib
import sqlite3
import statistics
import sys
import tempfile
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "compat"))

from support.cogsync_server import CogsyncServer  # noqa: E402

ROLE = "arn:aws:iam::000000000000:role/pile"


def sync_client(server, pool_id, identity_id=None):
    public = server.unsigned_client()
    if identity_id is None:
        identity_id = public.get_id(IdentityPoolId=pool_id)["IdentityId"]
    creds = public.get_credentials_for_identity(IdentityId=identity_id)["Credentials"]
    client = server.client("cognito-sync", access_key=creds["AccessKeyId"],
                           secret_key=creds["SecretKey"], session_token=creds["SessionToken"])
    return identity_id, client


def write_one(client, pool_id, identity_id, dataset, value):
    ids = {"IdentityPoolId": pool_id, "IdentityId": identity_id, "DatasetName": dataset}
    listed = client.list_records(**ids, MaxResults=1)
    count = listed["DatasetSyncCount"]
    key_count = 0 if count == 0 else count  # one key, rewritten each time: its count is the dataset's
    client.update_records(**ids, SyncSessionToken=listed["SyncSessionToken"], RecordPatches=[
        {"Op": "replace", "Key": "k", "Value": value, "SyncCount": key_count}])


def measure(binary, pile):
    os.environ["COGSYNC_BIN"] = binary
    server = CogsyncServer()
    server.data_dir = tempfile.mkdtemp(prefix="cogsync-pile-")
    server.start()
    out = {}
    try:
        dev = server.client()
        pool_id = dev.create_identity_pool(IdentityPoolName="pile",
                                           AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
        dev.set_identity_pool_roles(IdentityPoolId=pool_id,
                                    Roles={"authenticated": ROLE, "unauthenticated": ROLE})
        owners = []
        for _ in range(2):
            identity_id, client = sync_client(server, pool_id)
            write_one(client, pool_id, identity_id, "pile", "v")
            owners.append(identity_id)
        victim_id, _ = sync_client(server, pool_id)

        server._terminate()  # keep the data directory
        db = sqlite3.connect(os.path.join(server.data_dir, "data", "cogsync.db"))
        for identity_id in owners:
            db.executemany(
                "INSERT INTO records (identity_id, dataset, key, value, sync_count, modified_ms,"
                " modified_by) VALUES (?, 'pile', ?, NULL, 1, ?, 'old')",
                ((identity_id, f"t{i:09d}", int(time.time() * 1000)) for i in range(pile)))
        db.commit()
        db.close()
        server._clients.clear()
        server.start()  # on a new port: every client is made again
        dev = server.client()

        _, victim = sync_client(server, pool_id, victim_id)
        write_one(victim, pool_id, victim_id, "mine", "0")

        def timed(action):
            stop = threading.Event()
            latencies = []

            def writer():
                n = 0
                while not stop.is_set():
                    n += 1
                    t0 = time.perf_counter()
                    write_one(victim, pool_id, victim_id, "mine", str(n))
                    latencies.append(time.perf_counter() - t0)

            thread = threading.Thread(target=writer)
            thread.start()
            time.sleep(0.5)
            t0 = time.perf_counter()
            action()
            took = time.perf_counter() - t0
            time.sleep(0.2)
            stop.set()
            thread.join()
            return took, statistics.median(latencies) * 1000, max(latencies) * 1000

        _, owner0 = sync_client(server, pool_id, owners[0])
        out["delete_dataset"] = timed(lambda: owner0.delete_dataset(
            IdentityPoolId=pool_id, IdentityId=owners[0], DatasetName="pile"))
        out["delete_identities"] = timed(lambda: dev.delete_identities(
            IdentityIdsToDelete=[owners[1]]))
        db = sqlite3.connect(f"file:{os.path.join(server.data_dir, 'data', 'cogsync.db')}?mode=ro",
                             uri=True)
        out["rows_left"] = db.execute("SELECT COUNT(*) FROM records").fetchone()[0]
        db.close()
    except Exception:
        print(server.log()[-3000:], file=sys.stderr)
        raise
    finally:
        server.stop()
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("binaries", nargs="+")
    parser.add_argument("--pile", type=int, default=390000)
    args = parser.parse_args()
    print(f"piles of {args.pile:,} tombstones stored before the bound")
    for binary in args.binaries:
        print(f"measuring {binary} ...", file=sys.stderr, flush=True)
        r = measure(os.path.abspath(binary), args.pile)
        print(f"== {binary}")
        for name, label in (("delete_dataset", "DeleteDataset"),
                            ("delete_identities", "DeleteIdentities")):
            took, p50, worst = r[name]
            print(f"  {label}: {took * 1000:.0f} ms; another identity's UpdateRecords meanwhile:"
                  f" p50 {p50:.1f} ms, worst {worst:.1f} ms")
        print(f"  records left afterwards: {r['rows_left']} (the third identity's own)")


if __name__ == "__main__":
    main()
