"""Crash consistency (D24): no acknowledged UpdateRecords is lost when the process dies.

Writer threads drive Cognito Sync load (ListRecords for a SyncSessionToken, then UpdateRecords
adding one new record) against a real server, which is killed with SIGKILL at a random moment,
at least 20 times. After every kill:
- the SQLite file passes `PRAGMA integrity_check` (sqlite3 CLI, before the server reopens it);
- the restarted server still has every record whose UpdateRecords was answered 200, with the
  value and the SyncCount that answer gave;
- each dataset's record SyncCounts are exactly 1..N (one per committed UpdateRecords: no gap, no
  repeat) and the dataset's own SyncCount is N.
A write that was in flight when the process died may or may not be there; both are correct.
"""

import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import threading
import time
import unittest
from urllib.parse import quote

from support.cogsync_server import CogsyncServer
from support.raw_requests import call_identity, sign

_KILLS = 22
_WRITERS = 4
_SEED = int(os.environ.get("COGSYNC_CRASH_SEED", str(int(time.time()))))


class Writer(threading.Thread):
    """Adds records to one dataset until told to stop or the connection dies. `acked` collects
    (key, value, sync_count) of every UpdateRecords answered 200; `maybe` the key in flight."""

    def __init__(self, port, pool_id, identity_id, dataset, first_index, stop):
        super().__init__(daemon=True)
        self.port = port
        self.pool_id = pool_id
        self.identity_id = identity_id
        self.dataset = dataset
        self.index = first_index
        self.stop = stop
        self.acked = []
        self.failures = []

    class _Port:  # what raw_requests.sign needs of a server
        def __init__(self, port):
            self.endpoint = f"http://127.0.0.1:{port}"

    def _request(self, conn, method, path, body=b""):
        headers = {"Content-Type": "application/json"} if body else {}
        headers = sign(self._Port(self.port), method, path, body, headers, service="cognito-sync")
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()

    def run(self):
        base = f"/identitypools/{self.pool_id}/identities/{self.identity_id}/datasets/{self.dataset}"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            while not self.stop.is_set():
                status, body = self._request(conn, "GET", base + "/records?lastSyncCount=999999999")
                if status != 200:
                    self.failures.append(("ListRecords", status, body))
                    return
                token = json.loads(body)["SyncSessionToken"]
                key, value = f"k{self.index:06d}", f"v{self.index}-{random.random()}"
                patch = {"SyncSessionToken": token, "RecordPatches": [
                    {"Op": "replace", "Key": key, "Value": value, "SyncCount": 0}]}
                # A key is never tried twice: the one in flight at the kill may have committed.
                self.index += 1
                status, body = self._request(conn, "POST", base, json.dumps(patch).encode())
                if status != 200:
                    self.failures.append(("UpdateRecords", status, body))
                    return
                record = json.loads(body)["Records"][0]
                self.acked.append((record["Key"], record["Value"], record["SyncCount"]))
        except (OSError, http.client.HTTPException):
            pass  # the server died under us: the point of the test
        finally:
            conn.close()


class CrashConsistencyTest(unittest.TestCase):
    def setUp(self):
        if shutil.which("sqlite3") is None:
            self.skipTest("the sqlite3 command-line shell is not installed")
        # Each acknowledged write adds a record; on a fast machine the writers pass the default
        # 1,024 records per dataset (D19) within the run, which this test is not about.
        self.server = CogsyncServer(config={"limits": {"records_per_dataset": 1000000,
                                                       "dataset_bytes": 1 << 30}}).start()
        self.addCleanup(self.server.stop)

    def _kill(self):
        process = self.server.process
        process.send_signal(signal.SIGKILL)
        process.wait()
        self.server._terminate()  # closes the log file; the process is gone already

    def _integrity_check(self):
        db = os.path.join(self.server.data_dir, "data", "cogsync.db")
        result = subprocess.run(["sqlite3", db, "PRAGMA integrity_check;"], capture_output=True,
                                text=True, timeout=30)
        self.assertEqual((result.returncode, result.stdout.strip()), (0, "ok"), result.stderr)

    def _list_all(self, pool_id, identity_id, dataset):
        path = f"/identitypools/{pool_id}/identities/{identity_id}/datasets/{dataset}/records"
        records, token, count = [], None, None
        while True:
            query = "?maxResults=1024" + (f"&nextToken={token}" if token else "")
            headers = sign(self.server, "GET", path + query, b"", {}, service="cognito-sync")
            status, _, body = self.server.http("GET", path + query, headers=headers)
            self.assertEqual(status, 200, body)
            page = json.loads(body)
            records += page.get("Records", [])
            count = page.get("DatasetSyncCount", 0)
            token = page.get("NextToken")
            if not token:
                return records, count
            token = quote(token, safe="")

    def test_sigkill_under_sync_load_loses_nothing_acknowledged(self):  # D24
        rng = random.Random(_SEED)
        print(f"\ncrash test seed {_SEED} (set COGSYNC_CRASH_SEED to repeat)", flush=True)
        created = call_identity(self.server, "CreateIdentityPool", {
            "IdentityPoolName": "crash", "AllowUnauthenticatedIdentities": True})
        pool_id = created.json()["IdentityPoolId"]
        identities = [call_identity(self.server, "GetId", {"IdentityPoolId": pool_id},
                                    signed=False).json()["IdentityId"] for _ in range(_WRITERS)]
        targets = [(identity, f"ds{i}") for i, identity in enumerate(identities)]
        acked = {target: {} for target in targets}  # target -> key -> (value, sync_count)
        next_index = {target: 0 for target in targets}
        total_acked = 0
        for cycle in range(_KILLS):
            stop = threading.Event()
            writers = [Writer(self.server.port, pool_id, identity, dataset, next_index[(identity,
                              dataset)], stop) for identity, dataset in targets]
            for w in writers:
                w.start()
            time.sleep(rng.uniform(0.05, 0.6))
            self._kill()
            stop.set()
            for w in writers:
                w.join(timeout=15)
                self.assertFalse(w.is_alive())
                self.assertEqual(w.failures, [], f"cycle {cycle}: an error before the kill")
                target = (w.identity_id, w.dataset)
                next_index[target] = w.index
                for key, value, sync_count in w.acked:
                    acked[target][key] = (value, sync_count)
                total_acked += len(w.acked)
            self._integrity_check()
            self.server.start()
            for (identity, dataset), expected in acked.items():
                records, dataset_count = self._list_all(pool_id, identity, dataset)
                stored = {r["Key"]: (r["Value"], r["SyncCount"]) for r in records}
                for key, want in expected.items():
                    self.assertEqual(stored.get(key), want,
                                     f"cycle {cycle}: acknowledged {key} of {dataset} lost")
                counts = sorted(r["SyncCount"] for r in records)
                self.assertEqual(counts, list(range(1, len(records) + 1)),
                                 f"cycle {cycle}: {dataset} SyncCounts not consecutive")
                self.assertEqual(dataset_count, len(records))
        print(f"{_KILLS} SIGKILLs, {total_acked} acknowledged UpdateRecords, all present",
              flush=True)
        self.assertGreater(total_acked, _KILLS)  # the load really ran


if __name__ == "__main__":
    unittest.main()
